"""The gate-kind seam (gate/kind_base.py, gate/all_kinds.py): a kind is a class plus its registration. A toy kind
defined here, and registered, decides rows end to end: evaluation, gate.json, reading it back, the table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.gate import all_kinds
from mlspec.gate.decision import decide, load_or_decide
from mlspec.gate.kind_base import GateRun, metric_problem
from mlspec.gate.results import GateResult
from mlspec.project import Project
from mlspec.spec.models import Gate
from tests.gate.support import commit_champion, make_record, project_with_gates

GATES = "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: f1, max: 0.99}\n"


class WithinTwoPointsOfChampion:
    """Toy kind: a gate with a `min` passes this row only when the metric is within 0.02 of the champion's."""

    name = "toy-near-champion"
    needs_champion = True

    def applies(self, gate: Gate) -> bool:
        return gate.min is not None

    def evaluate(self, index: int, gate: Gate, direction: str, run: GateRun) -> GateResult:
        champion = run.champion(run.env).deployment
        result = GateResult(index, gate.metric, self.name, direction, f"{gate.metric} within 0.02", "fail", "")
        problem = metric_problem(run.record.metrics, gate.metric, "the run")
        if problem or champion is None:
            result.reason = problem or "no champion"
            return result
        result.value, result.baseline = run.record.metrics[gate.metric], champion.metrics[gate.metric]
        near = abs(result.value - result.baseline) <= 0.02
        result.verdict, result.reason = ("pass", "near") if near else ("fail", "too far from the champion")
        return result


@pytest.fixture
def toy_kind() -> Iterator[None]:
    before = list(all_kinds.KINDS)
    all_kinds.register(WithinTwoPointsOfChampion())
    yield
    all_kinds.KINDS[:] = before


def _project(tmp_path: Path, champion_auc: float) -> Project:
    root = project_with_gates(tmp_path, GATES)
    commit_champion(root, "staging", {"roc_auc": champion_auc, "f1": 0.9})
    make_record(root, {"roc_auc": 0.97, "f1": 0.97})
    return Project(root / "mlproject.yaml")


@pytest.mark.usefixtures("toy_kind")
@pytest.mark.parametrize(("champion_auc", "passed"), [(0.96, True), (0.90, False)])
def test_a_registered_toy_kind_decides_its_rows(tmp_path: Path, champion_auc: float, passed: bool) -> None:
    project = _project(tmp_path, champion_auc)
    record = project.runs.latest()
    report, path = decide(project, record, "staging")
    rows = [r for r in report.results if r.kind == "toy-near-champion"]
    assert [(r.metric, r.verdict) for r in rows] == [("roc_auc", "pass" if passed else "fail")]
    assert report.passed is passed  # the other rows (roc_auc >= 0.95, f1 <= 0.99) pass
    assert [r["kind"] for r in json.loads(path.read_text())["results"]].count("toy-near-champion") == 1
    again = load_or_decide(Project(project.spec_path), record, "staging", say=False)
    assert again.redecided is None and again.report.to_dict() == report.to_dict()  # read back from gate.json
    assert "roc_auc within 0.02" in report.text_table()


def test_without_the_registration_there_is_no_such_row(tmp_path: Path) -> None:
    project = _project(tmp_path, 0.90)
    report, _ = decide(project, project.runs.latest(), "staging")
    assert report.passed and {r.kind for r in report.results} == {"absolute"}
