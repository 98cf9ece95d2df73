"""Stand-in for the ``cliffmocap`` command in the add-on's capture tests.

``python addon_fake_cliffmocap.py VIDEO --out OUT --fake-source GLB [--fake-exit N]`` prints
progress lines, then copies GLB to OUT (exit 0) or prints an error and exits with N.
"""

import argparse
import shutil
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("video")
    parser.add_argument("--out", required=True)
    parser.add_argument("--fake-source", required=True)
    parser.add_argument("--fake-exit", type=int, default=0)
    parser.add_argument("--smpl", default="")
    args = parser.parse_args()
    for pct in (25, 50, 100):
        sys.stdout.write(f"regressing {args.video}: {pct}%\n")
        sys.stdout.flush()
    if args.fake_exit:
        sys.stdout.write("error: no people found in the video\n")
        return args.fake_exit
    shutil.copyfile(args.fake_source, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
