"""Why a run happened (issue 22 item 8): what changed since the previous run (the cause) and since the champion,
each said once and labelled in the report. Records are written directly: no training."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.pipeline.changes import compute_changes
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from mlspec.state.record import DataFile, RunRecord, RunStore, StageResult
from tests.gate.support import TEST_DIGEST, commit_champion, make_record, project_with_gates
from tests.helpers import run_cli

GATES = "gates:\n  - {metric: roc_auc, min: 0.5}\n"


def _train(code_digest: str) -> StageResult:
    stage = StageResult(name="train", status="passed", inputs_digest="x")
    stage.inputs = {"code:src/train.py": code_digest}
    return stage


def _run(project: Path, run_id: str, n_estimators: int, code_digest: str, **extra: object) -> RunRecord:
    return make_record(
        project,
        {"roc_auc": 0.9},
        run_id=run_id,
        spec_sections={"train": {"params": {"n_estimators": n_estimators}}},
        stages=[_train(code_digest)],
        **extra,
    )


def test_a_code_only_change_is_the_cause_and_the_old_params_change_is_since_the_champion(tmp_path: Path) -> None:
    """The bug: "why this run" listed the differences from the champion, so a code-only change also showed an
    old params change made two runs earlier."""
    project = project_with_gates(tmp_path, GATES)
    champion = _run(project, "20250101T000000000000Z-00001", 100, "c1")
    commit_champion(project, "staging", {"roc_auc": 0.9}, lineage={"run_id": champion.run_id})
    previous = _run(project, "20250102T000000000000Z-00002", 50, "c1")  # params changed, not promoted
    record = _run(project, "20250103T000000000000Z-00003", 50, "c2", save=False)  # only the code changed
    loaded = load_spec(project / "mlproject.yaml")
    found = compute_changes(loaded, RunStore(project), record, previous, {"src/train.py": "c2"})
    assert [(c.kind, c.what) for c in found.since_previous] == [("code", "src/train.py")]
    assert found.previous == {"kind": "previous-run", "run_id": previous.run_id}
    assert [(c.kind, c.what, c.detail) for c in found.since_champion] == [
        ("config", "train.params.n_estimators", "100 -> 50"),
        ("code", "src/train.py", "modified"),
    ]
    assert found.champion is not None and found.champion["model"] == "breast-cancer:champion"

    record.changes, record.changes_baseline = found.since_previous, found.previous
    record.champion_changes, record.champion_baseline = found.since_champion, found.champion
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    why = text[text.index("#### Why this run") :].split("\n\n<details>")[0]
    assert why.splitlines()[:8] == [
        "#### Why this run",
        "",
        f"Since the previous run (`{previous.run_id}`):",
        "",
        "- the training code `src/train.py` changed (modified)",
        "",
        "Since the champion (`breast-cancer:champion` in `staging`):",
        "",
    ]
    assert why.count("train.params.n_estimators") == 1 and why.count("src/train.py") == 2


def test_one_source_file_split_into_train_and_test_is_one_change(tmp_path: Path) -> None:
    """The bug: a changed file that is both the train and the test source (a seeded split) was listed twice."""
    project = project_with_gates(tmp_path, GATES)

    def split_data(digest: str, rows: int) -> list[DataFile]:
        return [
            DataFile(role="train", path="data/all.csv", digest=digest, bytes=1000, rows=rows),
            DataFile(role="test", path="data/all.csv", digest=digest, bytes=1000, rows=rows // 4),
        ]

    previous = _run(project, "20250102T000000000000Z-00002", 50, "c1", data=split_data("xxh3_128:" + "1" * 32, 800))
    record = _run(project, "20250103T000000000000Z-00003", 50, "c1", data=split_data(TEST_DIGEST, 840), save=False)
    loaded = load_spec(project / "mlproject.yaml")
    found = compute_changes(loaded, RunStore(project), record, previous, {"src/train.py": "c1"})
    assert [(c.kind, c.what, c.detail) for c in found.since_previous] == [
        ("data", "data/all.csv", "+40 rows (800 -> 840)")
    ]
    assert found.champion is None and found.since_champion == []


def test_no_earlier_run_here_but_a_champion_is_not_called_a_first_run(tmp_path: Path) -> None:
    """A fresh CI runner has no earlier run record: the cause is unknown there, and the champion diff stands."""
    project = project_with_gates(tmp_path, GATES)
    commit_champion(project, "staging", {"roc_auc": 0.9})
    record = _run(project, "20250103T000000000000Z-00003", 50, "c1", save=False)
    loaded = load_spec(project / "mlproject.yaml")
    found = compute_changes(loaded, RunStore(project), record, None, {"src/train.py": "c1"})
    assert found.previous == {"kind": "unknown"} and found.since_previous == []
    assert found.champion is not None
    record.changes, record.changes_baseline = found.since_previous, found.previous
    record.champion_changes, record.champion_baseline = found.since_champion, found.champion
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    assert "Since the previous run: no earlier run of this project was recorded here (CI starts fresh)" in text
    assert "first run of this project" not in text


def test_first_run_without_champion(tmp_path: Path) -> None:
    project = project_with_gates(tmp_path, GATES)
    record = _run(project, "20250103T000000000000Z-00003", 50, "c1", save=False)
    found = compute_changes(load_spec(project / "mlproject.yaml"), RunStore(project), record, None, {})
    assert [c.kind for c in found.since_previous] == ["first-run"] and found.champion is None


SPEC = """\
apiVersion: mlspec/v1
name: tiny
data: {train: data/train.csv, label: y}
train: {entrypoint: src/train.py:train, params: {depth: 1}}
evaluate: {task: binary}
tests: {data: {enabled: false}, model: {enabled: false}}
"""


@pytest.mark.slow  # one real (failing) training run
def test_status_after_a_failed_train_names_the_key_changed_since(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "mlproject.yaml").write_text(SPEC)
    (tmp_path / "data" / "train.csv").write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(40)))
    (tmp_path / "src" / "train.py").write_text("def train(X, y, params):\n    raise KeyError('age')\n")
    assert run_cli("run", cwd=tmp_path).returncode == 1
    status = run_cli("status", cwd=tmp_path).stdout
    assert "none of its inputs changed since it failed" in status
    (tmp_path / "mlproject.yaml").write_text(SPEC.replace("depth: 1", "depth: 2"))
    lines = [line.strip() for line in run_cli("status", cwd=tmp_path).stdout.splitlines()]
    train = lines.index("train        failed")
    assert lines[train + 1].startswith("failed in run ") and lines[train + 1].endswith("raised KeyError: 'age'")
    assert lines[train + 2] == "train.params.depth: 1 -> 2"
