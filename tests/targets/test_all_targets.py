"""The deploy-target seam (mlspec/targets/base.py, all_targets.py): `mlspec build` and `mlspec serve` hand the chosen
model to the registered target. A toy target registered here receives the build and the serve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.project import Project
from mlspec.serve.bento_target import BentoServiceTarget
from mlspec.serve.commands import build_command, serve_command
from mlspec.serve.modelref import Choice
from mlspec.targets import all_targets
from tests.gate.support import project_with_gates
from tests.helpers import run_cli


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


def _with_target(spec: Path, target: str) -> Path:
    text = spec.read_text()
    assert "\nserve:\n" in text
    spec.write_text(text.replace("\nserve:\n", f"\nserve:\n  target: {target}\n"))
    return spec


def test_the_spec_chooses_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = ToyTarget()
    monkeypatch.setattr(all_targets, "TARGETS", dict(all_targets.TARGETS))
    all_targets.register(target)  # registered, but not the default: serve.target chooses it
    spec = _with_target(project_with_gates(tmp_path, "") / "mlproject.yaml", "toy")
    assert build_command(Project(spec), model_version="1.0") == 0
    assert target.built == [("breast-cancer", "breast-cancer:1.0", False)]
    assert serve_command(Project(spec), host="127.0.0.1", port=3100) == 0
    assert target.served == [("127.0.0.1", 3100)]


def test_an_unknown_target_is_a_spec_error_with_a_did_you_mean(tmp_path: Path) -> None:
    spec = _with_target(project_with_gates(tmp_path, "") / "mlproject.yaml", "bentoM")
    done = run_cli("validate", str(spec))
    assert done.returncode == 1
    assert "serve.target" in done.stdout + done.stderr
    assert "no deploy target named 'bentoM' (did you mean 'bentoml'?); known: bentoml" in done.stdout + done.stderr
