"""The deploy-target seam (mlspec/targets/base.py, all_targets.py): `mlspec build` and `mlspec serve` hand the chosen
model to the registered target. A toy target registered here receives the build and the serve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.project import Project
from mlspec.serve.bento_target import BentoServiceTarget
from mlspec.serve.modelref import Choice
from mlspec.targets import all_targets
from mlspec.targets.commands import build_command, serve_command
from tests.gate.support import project_with_gates


class ToyTarget:
    name = "toy"

    def __init__(self) -> None:
        self.built: list[tuple[str, str, bool]] = []
        self.served: list[tuple[str, int]] = []

    def build(self, project: Project, choice: Choice, *, containerize: bool = False, push: bool = False) -> str:
        self.built.append((project.spec.name, choice.tag, containerize))
        return f"toy/{choice.tag}"

    def serve(self, project: Project, host: str, port: int) -> int:
        self.served.append((host, port))
        return 0


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ToyTarget]:
    target = ToyTarget()
    monkeypatch.setattr(all_targets, "TARGETS", dict(all_targets.TARGETS))
    all_targets.register(target)
    monkeypatch.setattr(all_targets, "DEFAULT", "toy")
    yield target


def test_build_and_serve_go_to_the_registered_target(tmp_path: Path, toy: ToyTarget) -> None:
    spec = project_with_gates(tmp_path, "") / "mlproject.yaml"
    assert build_command(Project(spec), model_version="1.0", containerize=True) == 0
    assert toy.built == [("breast-cancer", "breast-cancer:1.0", True)]
    assert serve_command(Project(spec), host="127.0.0.1") == 0
    assert toy.served == [("127.0.0.1", 3000)]  # serve.port's default, from the spec


def test_bentoml_is_the_default_target() -> None:
    assert isinstance(all_targets.target_named(), BentoServiceTarget)
    with pytest.raises(Exception, match="no deploy target named 'nope' \\(known: bentoml\\)"):
        all_targets.target_named("nope")
