"""The `.mlspec/` layout is spelled out once, in mlspec/state/layout.py, and every path under it comes from there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mlspec.errors import MlspecError
from mlspec.state.layout import STATE_DIR, StateLayout, run_file_text
from mlspec.state.record import RunStore

PACKAGE = Path(__file__).resolve().parents[2] / "mlspec"
STATE_PATH = re.compile(r"^/?\.mlspec(/|$)")


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_only_the_state_package_builds_state_paths() -> None:
    """No module outside mlspec/state/ has a string that is a path into `.mlspec/` (messages may mention it)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "state"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and STATE_PATH.match(node.value)
            ):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}")
    assert offenders == []


def test_layout_paths(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path)
    assert layout.root == tmp_path / STATE_DIR == tmp_path / ".mlspec"
    assert layout.run_dir("20240101T000000Z-00001") == tmp_path / ".mlspec" / "runs" / "20240101T000000Z-00001"
    assert layout.record_file("r1") == tmp_path / ".mlspec" / "runs" / "r1" / "record.json"
    assert layout.latest_file == tmp_path / ".mlspec" / "runs" / "latest"
    assert layout.stat_cache == tmp_path / ".mlspec" / "cache" / "stat.json"
    assert layout.remote_cache == tmp_path / ".mlspec" / "cache" / "remote"
    assert layout.artifacts == tmp_path / ".mlspec" / "artifacts"
    assert layout.service_dir("svc") == tmp_path / ".mlspec" / "service" / "svc"
    assert layout.drift == tmp_path / ".mlspec" / "drift"
    assert layout.promotions("staging") == tmp_path / ".mlspec" / "promotions" / "staging"
    assert run_file_text("r1", "report.md") == ".mlspec/runs/r1/report.md"


@pytest.mark.parametrize("run_id", ["../x", "a/b", "..", ""])
def test_a_run_id_that_is_not_a_name_is_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(MlspecError, match="run_id"):
        StateLayout(tmp_path).run_dir(run_id)


def test_the_run_store_uses_the_layout(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    assert store.root == StateLayout(tmp_path).root
    assert store.runs == StateLayout(tmp_path).runs
    assert store.run_dir("r1") == StateLayout(tmp_path).run_dir("r1")
