"""Malicious model files (pickles that would run code) are refused with one line and never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import malicious_model_files

from mocap.errors import ModelFileError


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    folder = tmp_path_factory.mktemp("evil")
    marker = folder / "pwned"
    made = malicious_model_files(folder, marker)
    assert not marker.exists()
    return made, marker


def test_the_payload_does_run_when_unpickled_freely(tmp_path: Path) -> None:
    """The payload is real: a plain unpickler runs it."""
    import pickle

    from _hostile import Payload

    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(Payload(marker), protocol=2))
    assert marker.exists()


@pytest.mark.filterwarnings("error")  # the refusal is the one message: no third-party warning
@pytest.mark.parametrize("name", ["ckpt_zip", "ckpt_legacy", "ckpt_nested", "ckpt_plain_pickle"])
def test_malicious_checkpoint_is_refused_and_never_runs(
    evil: tuple[dict[str, Path], Path], name: str
) -> None:
    from mocap.weights import load_cliff

    made, marker = evil
    with pytest.raises(ModelFileError) as caught:
        load_cliff(made[name])
    message = str(caught.value)
    assert str(made[name]) in message and "\n" not in message
    assert not marker.exists()


@pytest.mark.parametrize("name", ["smpl_pkl", "smpl_nested_pkl", "smpl_npz"])
def test_malicious_smpl_file_is_refused_and_never_runs(
    evil: tuple[dict[str, Path], Path], name: str
) -> None:
    from mocap.body import read_body_model_data

    made, marker = evil
    with pytest.raises(ModelFileError) as caught:
        read_body_model_data(made[name])
    message = str(caught.value)
    assert str(made[name]) in message and "\n" not in message
    assert not marker.exists()
