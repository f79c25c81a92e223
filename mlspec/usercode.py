"""The user's code on `sys.path`: the one way mlspec makes the project's modules importable, for importing the
training entrypoint, running it, and loading (and predicting with) a pickled model whose classes live in the
project (training, the gate's champion, the monitor's served model).

Semantics, the same everywhere: the folders go first on `sys.path` (the project's modules win, as when the user
runs their script), each at most once (a folder already there is not added again), and `sys.path` is restored
when the block ends. Modules imported meanwhile stay in `sys.modules`, so code loaded in the block keeps working.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


def code_folders(loaded: LoadedSpec) -> list[Path]:
    """Where the project's model code can be imported from: the folder of a `file.py:function` entrypoint, then
    the spec folder."""
    module = (loaded.spec.train.entrypoint or "").split(":", 1)[0]
    return ([loaded.resolve(module).parent] if module.endswith(".py") else []) + [loaded.root]


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
