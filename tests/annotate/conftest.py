"""Session fixtures for the annotator tests: the synthetic SMPL body and its J24."""

from __future__ import annotations

import pytest
import torch

from mocap.annotate.joints import J24Joints
from mocap.body import SmplBody
from mocap.testing.synthetic import synthetic_smpl_model_data


@pytest.fixture(scope="session")
def body() -> SmplBody:
    return SmplBody(synthetic_smpl_model_data())


@pytest.fixture(scope="session")
def joints(body: SmplBody) -> J24Joints:
    return J24Joints(body)


@pytest.fixture(autouse=True)
def _few_threads() -> None:
    torch.set_num_threads(1)  # the test machines are shared; small problems gain nothing
