"""train.command's model file, as a newcomer gets it wrong: opened and left empty, or written with something that is
not a pickle. Each failure says what to write there instead of only the unpickler's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.pipeline.training import MODEL_OUT_HINT, TrainingError, run_command


def _run(project: Path, tmp_path: Path, command: str) -> TrainingError:
    with pytest.raises(TrainingError) as info:
        run_command(project, command, tmp_path / "a.csv", tmp_path / "b.csv", {}, 7, tmp_path, tmp_path / "t.log", 1)
    return info.value


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    return root


def test_an_empty_model_file_is_named_as_such_with_how_to_write_it(project: Path, tmp_path: Path) -> None:
    error = _run(project, tmp_path, ': > "$MLSPEC_MODEL_OUT"')
    assert error.message == "train.command succeeded but the model file it wrote ($MLSPEC_MODEL_OUT) is empty"
    assert error.hint == MODEL_OUT_HINT


def test_a_model_file_that_is_no_pickle_says_how_to_write_it(project: Path, tmp_path: Path) -> None:
    error = _run(project, tmp_path, 'echo done > "$MLSPEC_MODEL_OUT"')
    assert error.message.startswith("train.command: cannot load the model it wrote: ")
    assert error.hint == MODEL_OUT_HINT
