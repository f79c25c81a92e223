"""mlspec/project.py: one Project per command. The spec is loaded once, the champion of an environment is read
once per gate decision, there is one "no environment named" error and one ownership-and-model check."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlspec.champion
import mlspec.spec
from mlspec.errors import UsageError
from mlspec.gate.decision import decide, load_or_decide
from mlspec.ownership import ForeignStateError
from mlspec.project import NoModelError, Project
from mlspec.state.record import RunStore
from tests.gate.support import make_record, project_with_gates
from tests.helpers import run_cli

GATES = "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: f1, min_delta: -0.01, allow_missing_champion: true}\n"


@pytest.fixture
def gated(tmp_path: Path) -> Path:
    project = project_with_gates(tmp_path, GATES)
    make_record(project, {"roc_auc": 0.97, "f1": 0.97})
    return project


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    calls: list[object] = []
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_gate_decision_reads_each_champion_once(gated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_calls(monkeypatch, mlspec.champion, "find_champion")
    project = Project(gated / "mlproject.yaml")
    report, _ = decide(project, project.runs.latest(), "staging")
    assert report.passed
    assert len(calls) == 1  # the fingerprint and the evaluation share one lookup (it was read twice before)
    calls.clear()
    assert load_or_decide(project, project.runs.latest(), "staging", say=False).redecided is None
    assert calls == []  # the same command asking again reads nothing


def test_the_spec_is_loaded_once_per_project(gated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_calls(monkeypatch, mlspec.spec, "load_spec")
    project = Project(gated / "mlproject.yaml")
    project.load()  # as a command does first
    record = project.latest_run()
    decide(project, record, "staging")
    load_or_decide(project, record, "staging", say=False)
    assert len(calls) == 1
    assert project.runs is project.runs and project.state is project.state


def test_a_full_load_follows_a_load_without_file_checks(gated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_calls(monkeypatch, mlspec.spec, "load_spec")
    project = Project(gated / "mlproject.yaml")
    project.load(check_files=False)
    project.load(check_files=False)
    project.load()
    project.load(check_files=False)
    assert len(calls) == 2


def test_one_error_for_an_unknown_environment(gated: Path) -> None:
    project = Project(gated / "mlproject.yaml")
    with pytest.raises(UsageError, match=r"environments: no environment named 'prod' \(known: staging, production\)"):
        project.environment("prod")
    with pytest.raises(UsageError, match=r"--env: no environment named 'prod'"):
        project.environment("prod", key="--env")
    assert project.environment_name(None) == "staging"
    for command in (("gate", "--env", "prod"), ("promote", "--env", "prod", "--dry-run"), ("build", "--env", "prod")):
        result = run_cli(command[0], str(gated / "mlproject.yaml"), *command[1:])
        assert result.returncode == 2, (command, result.stderr)
        assert "no environment named 'prod' (known: staging, production)" in result.stderr, command


def test_latest_run_is_the_one_ownership_and_model_check(gated: Path) -> None:
    project = Project(gated / "mlproject.yaml")
    assert project.latest_run().run_id == "20250102T000000000000Z-00001"
    record = make_record(gated, {"roc_auc": 0.97}, run_id="20250103T000000000000Z-00001", model=None)
    with pytest.raises(NoModelError, match="run 20250103T000000000000Z-00001 saved no model: it is needed here"):
        project.latest_run(needed_for="it is needed here")
    assert project.latest_run(with_model=False).run_id == record.run_id
    record.project = "someone-else"
    RunStore(gated).save(record)
    with pytest.raises(ForeignStateError, match="belongs to project 'someone-else'"):
        project.latest_run(with_model=False)


def test_of_keeps_a_project_and_wraps_a_loaded_spec(gated: Path) -> None:
    loaded = mlspec.spec.load_spec(gated / "mlproject.yaml")
    project = Project.of(loaded)
    assert project.loaded is loaded and project.root == gated.resolve()
    assert Project.of(project) is project
    assert Path(project) == loaded.path  # a Project is a path-like: code taking a spec path takes it too
    assert project.repository_root() == gated.resolve()  # the git repository project_with_gates made


def test_an_unknown_environment_close_to_a_known_one_gets_a_did_you_mean(gated: Path) -> None:
    project = Project(gated / "mlproject.yaml")
    with pytest.raises(UsageError, match=r"\(known: staging, production\); did you mean 'production'\?$"):
        project.environment("prod")
    with pytest.raises(UsageError, match=r"did you mean 'staging'\?$"):
        project.environment("stagign", key="--env")
    with pytest.raises(UsageError, match=r"\(known: staging, production\)$"):  # nothing close: no guess
        project.environment("qa")
    result = run_cli("gate", str(gated / "mlproject.yaml"), "--env", "prod")
    assert result.returncode == 2 and "did you mean 'production'?" in result.stderr
