"""mlspec.usercode: the one way the project's code goes on sys.path (first, once, restored afterwards)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from mlspec.usercode import user_code_path


def test_folders_go_first_once_and_sys_path_is_restored(tmp_path: Path) -> None:
    src, root = tmp_path / "src", tmp_path
    src.mkdir()
    (src / "mlspec_usercode_probe.py").write_text("VALUE = 'from the project'\n", encoding="utf-8")
    before = list(sys.path)
    try:
        with user_code_path(src, root, src):
            assert sys.path[:2] == [str(src), str(root)]
            assert sys.path.count(str(src)) == 1
            module = importlib.import_module("mlspec_usercode_probe")
        assert sys.path == before
        assert module.VALUE == "from the project"  # what was imported in the block stays usable
    finally:
        sys.modules.pop("mlspec_usercode_probe", None)


def test_a_folder_already_on_sys_path_is_not_added_again(tmp_path: Path) -> None:
    sys.path.append(str(tmp_path))
    try:
        with user_code_path(tmp_path):
            assert sys.path.count(str(tmp_path)) == 1
        assert sys.path[-1] == str(tmp_path)
    finally:
        sys.path.remove(str(tmp_path))


def test_sys_path_is_restored_when_the_block_raises(tmp_path: Path) -> None:
    before = list(sys.path)
    with pytest.raises(RuntimeError, match="user code failed"), user_code_path(tmp_path):
        raise RuntimeError("user code failed")
    assert sys.path == before
