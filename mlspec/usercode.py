"""The user's code on `sys.path`: the one way mlspec makes the project's modules importable, for importing the
training entrypoint, running it, and loading (and predicting with) a pickled model whose classes live in the
project (training, the gate's champion, the monitor's served model).

Semantics, the same everywhere: the folders go first on `sys.path` (the project's modules win, as when the user
runs their script), each at most once (a folder already there is not added again), and `sys.path` is restored
when the block ends. Modules imported meanwhile stay in `sys.modules`, so code loaded in the block keeps working.

The folders (`train_folders`) are the import path training saw: the folder of a `file.py:function` entrypoint
(Python puts a script's folder first) or of each script a `train.command` runs, then the spec's folder. A model
mlspec stores is self-contained: the project's modules it needs (`project_modules`: imported from those
folders, not from an installed package) are stored by value inside it (`store_by_value`), so every process
that loads it later (evaluate, model tests, gate, serve, build, monitor, the generated service and its
container) needs no project code on its path, and a champion keeps the code it was trained with.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


def entrypoint_folders(root: Path, entrypoint: str) -> list[Path]:
    """The import path of `file.py:function` (its folder, then the spec folder ``root``) or `module:function`
    (the spec folder)."""
    module = entrypoint.rsplit(":", 1)[0]
    return ([(root / module).resolve().parent] if module.endswith(".py") else []) + [root]


def command_folders(root: Path, command: str) -> list[Path]:
    """The import path of a `train.command`: the folder of each Python script it runs (`python src/train.py`
    -> src/), then the spec folder ``root`` (where the command runs, for `python -m package.module`)."""
    from mlspec.input_patterns import command_scripts

    scripts = [script for script in command_scripts(command) if script.endswith(".py")]
    folders = [(root / script).resolve().parent for script in scripts if not script.endswith("/__init__.py")]
    return list(dict.fromkeys([*folders, root]))


def train_folders(root: Path, train: Any) -> list[Path]:
    """The import path training saw, for the spec's `train` section (entrypoint or command)."""
    if train.entrypoint:
        return entrypoint_folders(root, train.entrypoint)
    if train.command:
        return command_folders(root, train.command)
    return [root]


def code_folders(loaded: LoadedSpec) -> list[Path]:
    """Where the project's model code can be imported from: `train_folders` of the loaded spec."""
    return train_folders(loaded.root, loaded.spec.train)


@contextmanager
def user_code_path(*folders: Path | str) -> Iterator[None]:
    """``folders`` importable (first on `sys.path`, in order, no duplicates) while the block runs."""
    saved = list(sys.path)
    added = list(dict.fromkeys(str(folder) for folder in folders if str(folder) not in saved))
    sys.path[:0] = added
    try:
        yield
    finally:
        sys.path[:] = saved


def _installed_roots() -> list[Path]:
    """Where installed code lives: the standard library and site-packages folders, and the virtual environment
    mlspec runs in (not the interpreter's base prefix: a project may live under /usr/src or /opt)."""
    places = {path for key in ("purelib", "platlib", "stdlib", "platstdlib") if (path := sysconfig.get_path(key))}
    if sys.prefix != sys.base_prefix:
        places.add(sys.prefix)
    return [Path(place).resolve() for place in places]


def project_modules(folders: Iterable[Path | str], names: Iterable[str] | None = None) -> list[ModuleType]:
    """The modules in `sys.modules` (only ``names`` when given) loaded from a file under one of ``folders`` and
    not installed code (a virtual environment inside the project, site-packages, mlspec itself)."""
    bases = [Path(folder).resolve() for folder in folders]
    installed = _installed_roots()
    found = []
    for name in sorted(sys.modules if names is None else names):
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if module is None or not origin or name == "mlspec" or name.startswith("mlspec."):
            continue
        path = Path(origin).resolve()
        if any(part in ("site-packages", "dist-packages") for part in path.parts):
            continue
        if any(path.is_relative_to(base) for base in bases) and not any(path.is_relative_to(i) for i in installed):
            found.append(module)
    return found


def store_by_value(modules: Iterable[ModuleType]) -> None:
    """Pickle ``modules``' classes and functions by value from now on in this process (cloudpickle), so a
    model that names them loads where they cannot be imported."""
    import cloudpickle

    for module in modules:
        cloudpickle.register_pickle_by_value(module)
