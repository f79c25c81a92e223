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


def test_the_import_path_of_each_training_form(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from mlspec.usercode import train_folders

    def train(**kind: str) -> object:
        return SimpleNamespace(**({"entrypoint": None, "command": None} | kind))

    root = tmp_path
    assert train_folders(root, train(entrypoint="src/train.py:train")) == [root / "src", root]
    assert train_folders(root, train(entrypoint="mypkg.train:train")) == [root]
    assert train_folders(root, train(command="python src/fit.py --x 1 && python tools/post.py")) == [
        root / "src",
        root / "tools",
        root,
    ]
    assert train_folders(root, train(command="python -m mypkg.train")) == [root]


def test_project_modules_are_the_ones_imported_from_its_folders_not_installed_code(tmp_path: Path) -> None:
    from mlspec.usercode import project_modules

    src = tmp_path / "src"
    (src / "probe_pkg").mkdir(parents=True)
    (src / "probe_pkg" / "__init__.py").write_text("")
    (src / "probe_pkg" / "feats.py").write_text("X = 1\n")
    venv_lib = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    venv_lib.mkdir(parents=True)
    (venv_lib / "probe_installed.py").write_text("Y = 2\n")
    try:
        with user_code_path(src, venv_lib):
            importlib.import_module("probe_pkg.feats")
            importlib.import_module("probe_installed")
        found = [m.__name__ for m in project_modules([src, tmp_path])]
        assert found == ["probe_pkg", "probe_pkg.feats"]  # not site-packages inside the project, not pytest
        assert [m.__name__ for m in project_modules([src], ["probe_pkg.feats", "json"])] == ["probe_pkg.feats"]
    finally:
        for name in ("probe_pkg", "probe_pkg.feats", "probe_installed"):
            sys.modules.pop(name, None)
