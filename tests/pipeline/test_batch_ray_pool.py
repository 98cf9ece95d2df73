"""How many Ray actors a batch starts and what each reserves (no Ray needed)."""

from __future__ import annotations

import pytest

from mocap.batch.ray_engine import pool_shape
from mocap.batch.types import EngineOptions


@pytest.mark.parametrize(
    ("resources", "options", "jobs", "expected"),
    [
        # one actor per GPU, whatever the CPUs; --workers and the job count cap it
        ({"CPU": 64, "GPU": 8}, EngineOptions(), 100, (8, {"num_gpus": 1, "num_cpus": 1})),
        ({"CPU": 64, "GPU": 8}, EngineOptions(workers=3), 100, (3, {"num_gpus": 1, "num_cpus": 1})),
        ({"CPU": 64, "GPU": 8}, EngineOptions(), 2, (2, {"num_gpus": 1, "num_cpus": 1})),
        # CPU-only: one actor per cpus_per_actor CPUs, at least one on a small cluster
        ({"CPU": 16}, EngineOptions(cpus_per_actor=4), 100, (4, {"num_gpus": 0, "num_cpus": 4})),
        ({"CPU": 18}, EngineOptions(cpus_per_actor=4), 100, (4, {"num_gpus": 0, "num_cpus": 4})),
        ({"CPU": 2}, EngineOptions(), 100, (1, {"num_gpus": 0, "num_cpus": 2})),
        ({"CPU": 2}, EngineOptions(cpus_per_actor=1), 100, (2, {"num_gpus": 0, "num_cpus": 1})),
        (
            {"CPU": 16},
            EngineOptions(workers=2, cpus_per_actor=1),
            9,
            (2, {"num_gpus": 0, "num_cpus": 1}),
        ),
        ({}, EngineOptions(), 5, (1, {"num_gpus": 0, "num_cpus": 1})),
    ],
)
def test_pool_shape(resources, options, jobs, expected) -> None:
    assert pool_shape(resources, options, jobs) == expected
