"""Fixtures of the exporter tests (the helpers live in ``export_helpers.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from export_helpers import make_body, make_motion

from mocap.types import MotionSet, SmplModelData


@pytest.fixture(scope="session")
def body() -> SmplModelData:
    return make_body()


@pytest.fixture(scope="session")
def motion(body: SmplModelData) -> MotionSet:
    """Three people on 60 frames at 29.97 fps: full track, late start, early end with a gap."""
    frames_b = np.arange(12, 60)
    frames_c = np.concatenate([np.arange(0, 20), np.arange(25, 41)])
    return make_motion([(1, np.arange(60)), (4, frames_b), (7, frames_c)], num_frames=60, body=body)
