"""`mlspec --version`: the version and the commit this mlspec was built from (see mlspec/source_commit.py)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from mlspec import __version__


def version_line() -> str:
    from mlspec.source_commit import source_commit

    return f"mlspec {__version__} commit {source_commit() or 'unknown'}"


class VersionAction(argparse.Action):
    """argparse's `version` action, with the commit looked up only when `--version` is given."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None
    ) -> None:
        print(version_line())
        parser.exit()
