"""Fixtures of the grounding tests: the synthetic body and short exact scenes with ground truth."""

from __future__ import annotations

import pytest

from mocap.testing.grounding_scenes import Route, Scene, make_scene
from mocap.testing.synthetic import synthetic_smpl_model_data
from mocap.types import SmplModelData


@pytest.fixture(scope="session")
def body_data() -> SmplModelData:
    return synthetic_smpl_model_data()


@pytest.fixture(scope="session")
def walk_scene(body_data: SmplModelData) -> Scene:
    """Two people walking (one across, one on an arc) seen from 1.6 m, pitch -15, roll 3 deg."""
    routes = [
        Route("walk", start=(-3.0, -6.0), heading_deg=90),
        Route("walk", start=(2.0, -5.0), kind="arc", centre=(0.0, -5.0), radius=2.0),
    ]
    return make_scene(body_data, routes, height=1.6, pitch_deg=-15.0, roll_deg=3.0, duration_s=4.0)
