"""render finds each spec's repository root with RepositoryRoots (remembers the folders it has looked at):
the same answer as repository_root for specs at the top, in sub-folders, in a nested repository and
outside any repository."""

from __future__ import annotations

from pathlib import Path

from mlspec.render.repo import RepositoryRoots
from mlspec.repo_root import repository_root


def test_repository_roots_agree_with_repository_root(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / "sub" / "inner" / ".git").mkdir(parents=True)
    (tmp_path / "plain" / "a").mkdir(parents=True)
    specs = [
        outer / "mlproject.yaml",
        outer / "p1" / "mlproject.yaml",
        outer / "p1" / "deeper" / "mlproject.yaml",
        outer / "sub" / "inner" / "x" / "mlproject.yaml",
        outer / "sub" / "mlproject.yaml",
        outer / "sub" / "inner" / "mlproject.yaml",
        outer / "p2" / "mlproject.yaml",
        tmp_path / "plain" / "a" / "mlproject.yaml",
        tmp_path / "plain" / "mlproject.yaml",
    ]
    for spec in specs:
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text("name: x\n")
    roots = RepositoryRoots()
    for spec in specs + specs[::-1]:
        resolved = spec.resolve()
        assert roots.of(resolved) == repository_root(resolved.parent, fallback=True), spec
    assert roots.of((outer / "sub" / "inner" / "x" / "mlproject.yaml").resolve()) == (outer / "sub" / "inner").resolve()
    assert roots.of((tmp_path / "plain" / "a" / "mlproject.yaml").resolve()) == (tmp_path / "plain" / "a").resolve()
