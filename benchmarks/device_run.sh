#!/usr/bin/env bash
# One-shot throughput benchmark on a GPU machine without a package registry.
#
# The machine has Python 3.12, torch, opencv and numpy 2 but not the few pure-Python or binary
# packages a run needs; they travel as wheels in the ignored folder .device_wheels (about 47 MiB),
# fetched once on a machine with a registry (PyPI) from the repository root:
#
#   P="--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux2010_x86_64"
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       $P -d .device_wheels av platformdirs norfair==2.3.0 decord==0.6.0
#   python3 -m pip wheel --no-deps -w .device_wheels filterpy==1.4.5   # sdist only: built here
#
# (decord is optional, 13 MiB: without it the benchmark decodes with PyAV.) Then, on the GPU
# machine, from the repository root (with .device_wheels carried along; with this workplace's
# device tool: run(command="LIMIT_S=480 benchmarks/device_run.sh", carry=[".device_wheels"],
# timeout_s=560), the table comes back in $OUT):
#
#   benchmarks/device_run.sh                 # the GPU table (see ARGS below), within LIMIT_S
#   benchmarks/device_run.sh --quick --device cpu    # dry run (what was run on CPU)
#
# Wheels whose module already imports are not installed; the others go with
# `pip install --no-index --no-deps` into SITE (nothing is fetched). The table is also written to
# $OUT/bench_throughput.txt when OUT is set (the device tool's result folder).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
WHEELS=${WHEELS:-.device_wheels}
SITE=${SITE:-/tmp/cliffmocap-site}
LIMIT_S=${LIMIT_S:-480}
# Most important rows first (the issue's target: hr48 bf16 1080p, 1 person); --max-seconds stops
# starting rows early enough for the last one to finish inside LIMIT_S.
ARGS=(--device auto --frames 600 --variants hr48 res50 --sizes 1080p 720p --people 1 3 10
      --precisions bf16 fp32 --max-seconds $((LIMIT_S - 90)))
if [ "$#" -gt 0 ]; then ARGS=("$@"); fi

# module name -> wheel name prefix
declare -A NEED=([av]=av [platformdirs]=platformdirs [norfair]=norfair [filterpy]=filterpy
                 [decord]=decord)
missing=()
for mod in "${!NEED[@]}"; do
    if ! "$PY" -c "import $mod" 2>/dev/null; then
        whl=$(ls "$WHEELS/${NEED[$mod]}"-*.whl 2>/dev/null | head -n 1 || true)
        if [ -n "$whl" ]; then
            missing+=("$whl")
        elif [ "$mod" != decord ]; then
            echo "device_run: '$mod' is not installed and no wheel is in $WHEELS (see the top of $0)" >&2
            exit 2
        fi
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "device_run: installing ${missing[*]} into $SITE (no index)"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$SITE" "${missing[@]}"
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

"$PY" -c "import numpy, torch; print('numpy', numpy.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

log=${OUT:+$OUT/bench_throughput.txt}
status=0
timeout --signal=INT --kill-after=20 "$LIMIT_S" "$PY" benchmarks/bench_throughput.py "${ARGS[@]}" \
    2>&1 | tee ${log:-/dev/null} || status=$?
if [ "$status" -eq 124 ]; then echo "device_run: stopped at LIMIT_S=$LIMIT_S s" >&2; fi
exit "$status"
