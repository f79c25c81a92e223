"""`mlspec status` says the gate's last verdict under the run's: "latest run … (passed)" is about the stages, and
a run whose gate had failed read as ready to promote."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.gate.decision import decide
from mlspec.pipeline.commands import status_command
from mlspec.spec import load_spec
from mlspec.state.gate_verdict import last_gate_line
from mlspec.state.record import RunStore
from tests.gate.support import make_record, outcome_of, project_with_gates


def test_status_says_a_failed_gate_under_a_passed_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.99}\n")
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": outcome_of("data", 0, 2)})
    store = RunStore(project)
    assert last_gate_line(store, record.run_id).startswith("gate: not decided for this run yet")
    decide(load_spec(project / "mlproject.yaml"), record, "staging")
    status_command(project / "mlproject.yaml")
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith(f"latest run {record.run_id}"))
    assert lines[header + 1].startswith("  gate NOT passed for breast-cancer (staging)")
    assert lines[header + 1].endswith("(saved in gate.json; `mlspec gate --env staging` decides it again)")


def test_an_unreadable_gate_file_is_not_a_verdict(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.run_dir("r1").mkdir(parents=True)
    (store.run_dir("r1") / "gate.json").write_text("{not json")
    assert last_gate_line(store, "r1").startswith("gate: not decided for this run yet")
