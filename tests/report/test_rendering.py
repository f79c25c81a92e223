"""Reports, model cards and drift summaries render as GitHub renders them (issue 22 item 9): CommonMark
(markdown-it with GitHub's options) and Mermaid in headless Chromium, through tests/tools/github_render.py.
A document fails on raw Markdown left in the rendered text, on a Mermaid block that does not parse or draw,
on a table wider than GitHub's column, and on chart labels drawn over each other.

The documents: the bundled example's real comment and card (docs/example-report.md, written by
scripts/example_report.py from a real run) and reports and cards built from run records of varied shapes
(binary with history and a champion, multiclass, regression, failing gates with failed and errored checks,
a trimmed report) plus a drift summary. Building them takes no training: the records are written directly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.card import model_card
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from mlspec.state.record import Change, CheckOutcome, ConditionOutcome, ModelRef
from mlspec.state.record import TestOutcome as Outcome
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates
from tests.tools.github_render import RendererMissing, render

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # a browser start and Mermaid drawing: seconds


def _checks() -> Outcome:
    """A model-test outcome with every status: failed, errored, warning, passed, not applicable, and notes
    after the collapsed lists (the `</details>` followed by a list that GitHub swallowed)."""
    checks = [
        CheckOutcome(
            name="TrainTestPerformance",
            suite="model_evaluation",
            conditions=[ConditionOutcome(name="degradation < 0.2", category="FAIL", details="Found 31% for class 1")],
        ),
        CheckOutcome(
            name="SimpleModelComparison",
            suite="model_evaluation",
            status="errored",
            error="ValueError",
            reason="pos_label=1 is not a valid label: it should be one of ['no', 'yes']",
        ),
        CheckOutcome(
            name="UnusedFeatures",
            suite="model_evaluation",
            dataset="test",
            conditions=[ConditionOutcome(name="unused features <= 5", category="WARN", details="Found 11")],
        ),
        CheckOutcome(
            name="RocReport",
            suite="model_evaluation",
            dataset="test",
            conditions=[ConditionOutcome(name="AUC > 0.7", category="PASS", details="min AUC 0.99")],
        ),
        CheckOutcome(
            name="BoostingOverfit",
            suite="model_evaluation",
            status="not_applicable",
            reason="Check is relevant for Boosting models",
        ),
    ]
    return Outcome(
        kind="model",
        passed=False,
        checks=checks,
        notes=["feature importance: the model's built-in importances (feature_importances_)"],
        sampling=["TrainTestPerformance on 10,000 of 50,000 rows"],
    )


def _set_task(project: Path, task: str, metrics: str, gates: str) -> None:
    spec = project / "mlproject.yaml"
    text = spec.read_text()
    text = text.replace("task: binary", f"task: {task}")
    text = re.sub(r"metrics: \[.*\]", f"metrics: [{metrics}]", text)
    text = re.sub(r"gates:\n(?:  - .*\n)+", gates, text)
    spec.write_text(text)


def _documents(tmp_path: Path) -> list[tuple[str, str]]:
    docs: list[tuple[str, str]] = [("docs/example-report.md", (ROOT / "docs" / "example-report.md").read_text())]
    features = {f"feature_{i}": "float" for i in range(40)} | {"region": "str"}

    # binary: history, champion, all check statuses, changes since the previous run and the champion
    project = project_with_gates(
        tmp_path / "binary", "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: f1, min_delta: -0.01}\n"
    )
    commit_champion(project, "staging", {"roc_auc": 0.962, "f1": 0.95, "accuracy": 0.93, "log_loss": 0.12})
    for i, value in enumerate([0.95, 0.955, 0.961]):
        make_record(project, {"roc_auc": value, "f1": 0.95}, run_id=f"2025010{i + 1}T000000000000Z-0000{i}")
    record = make_record(
        project,
        {"roc_auc": 0.96, "f1": 0.97, "accuracy": 0.94, "log_loss": 0.11},
        run_id="20250105T000000000000Z-00009",
        tests={"data": outcome_of("data", 0, 1), "model": _checks()},
        model=ModelRef(tag="breast-cancer:challenger", kind="classifier", features=features, classes=["no", "yes"]),
        changes=[Change(kind="code", what="src/train.py", detail="modified")],
    )
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    docs += [("binary report", build_report(loaded, record, gate)), ("binary card", model_card(loaded, record, gate))]
    docs.append(("binary report, trimmed", build_report(loaded, record, gate, max_chars=3_000)))

    # failing gates, failed data tests (one failed check each), first run without a champion
    project = project_with_gates(tmp_path / "failing", "gates:\n  - {metric: roc_auc, min: 0.99}\n")
    record = make_record(
        project,
        {"roc_auc": 0.9, "f1": 0.8, "accuracy": 0.85},
        tests={"data": outcome_of("data", 1, 0), "model": _checks()},
        changes=[Change(kind="first-run", what="no earlier run", detail="first run of this project")],
    )
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    docs += [("failing report", build_report(loaded, record, gate)), ("failing card", model_card(loaded, record, gate))]

    # multiclass with string labels
    project = project_with_gates(tmp_path / "multiclass", "gates:\n  - {metric: accuracy, min: 0.8}\n")
    _set_task(
        project,
        "multiclass",
        "accuracy, f1_macro",
        "gates:\n  - {metric: accuracy, min: 0.8}\n  - {metric: f1_macro, min: 0.75}\n",
    )
    record = make_record(
        project,
        {"accuracy": 0.91, "f1_macro": 0.88, "log_loss": 0.3},
        task="multiclass",
        tests={"model": outcome_of("model", 0, 3)},
        model=ModelRef(
            tag="breast-cancer:m", kind="classifier", features=features, classes=["class_0", "class_1", "class_2"]
        ),
    )
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    docs += [
        ("multiclass report", build_report(loaded, record, gate)),
        ("multiclass card", model_card(loaded, record, gate)),
    ]

    # regression: metrics of very different scales
    project = project_with_gates(tmp_path / "regression", "")
    _set_task(
        project, "regression", "rmse, mae, r2", "gates:\n  - {metric: rmse, max: 60000}\n  - {metric: r2, min: 0.7}\n"
    )
    commit_champion(project, "staging", {"rmse": 51_000.0, "mae": 30_000.0, "r2": 0.82})
    record = make_record(
        project,
        {"rmse": 52_345.6, "mae": 31_000.5, "r2": 0.81},
        task="regression",
        tests={"data": outcome_of("data", 0, 2)},
        model=ModelRef(tag="breast-cancer:r", kind="regressor", features=features),
    )
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    docs += [
        ("regression report", build_report(loaded, record, gate)),
        ("regression card", model_card(loaded, record, gate)),
    ]

    docs.append(("drift summary", _drift_summary()))
    return docs


def _drift_summary() -> str:
    from mlspec.monitor.drift_checks import CheckScore, DriftResult, FeatureScore
    from mlspec.monitor.summary import DriftRun
    from mlspec.monitor.summary import markdown as drift_markdown
    from mlspec.spec.models import DriftThresholds

    features = [
        FeatureScore(
            feature=f"feature_{i}", score=0.5 - i * 0.01, method="Kolmogorov-Smirnov", threshold=0.2, drifted=i < 12
        )
        for i in range(30)
    ]
    checks = {
        "multivariate": CheckScore("multivariate", 0.25, ran=True, score=0.4, drifted=True),
        "label": CheckScore("label", 0.2, ran=False, reason="the current data has no label column"),
    }
    result = DriftResult(
        features=features,
        checks=checks,
        thresholds=DriftThresholds(),
        sampled={"reference": 5_000, "current": 4_000},
        errors=[],
    )
    run = DriftRun(
        project="houses",
        environment="production",
        reference={"path": "data/train.csv", "rows": 20_640},
        current={"path": "incoming/2026-11.csv", "rows": 4_000},
        notes=["numeric columns compared with Kolmogorov-Smirnov"],
    )
    return drift_markdown(result, run, plot="drift.png")


def test_every_report_and_card_renders_as_on_github(tmp_path: Path) -> None:
    documents = _documents(tmp_path)
    try:
        rendered = render(documents)
    except RendererMissing as missing:
        pytest.skip(f"no headless Chromium on this machine: {missing}")
    assert [r.name for r in rendered] == [name for name, _ in documents]
    problems = {r.name: r.problems for r in rendered if r.problems}
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in problems.items())
    by_name = {r.name: r for r in rendered}
    # what was checked is really there: charts drawn, tables measured, the notes after </details> a list
    assert by_name["binary report"].mermaid_blocks == 1 and by_name["regression report"].mermaid_blocks == 2
    assert all(by_name[n].tables >= 2 for n in ("binary report", "binary card", "regression card"))
    assert "how they ran: feature importance" in by_name["binary report"].text
    assert "1 passed check\n" in by_name["binary report"].text + "\n"  # not "1 passed checks"


def test_the_checker_finds_each_kind_of_problem() -> None:
    """The renderer's verdicts are real: a swallowed list, a broken chart and a wide table are each found."""
    bad = (
        "<details><summary>s</summary>\n\n- inside\n\n</details>\n- swallowed after details\n\n"
        "| a |\n|---|\n| " + "x" * 300 + " |\n\n```mermaid\nxychart-beta\n    bar [1, 2\n```\n"
        # six long labels side by side under the bars: drawn over each other
        '\n```mermaid\nxychart-beta\n    x-axis ["roc_auc this run", "roc_auc champion", "roc_auc gate min", '
        '"f1 this run", "f1 champion", "f1 gate: champion -0.01"]\n    y-axis "v" 0 --> 1\n'
        "    bar [0.9, 0.9, 0.9, 0.9, 0.9, 0.9]\n```\n"
    )
    try:
        [result] = render([("bad", bad)])
    except RendererMissing as missing:
        pytest.skip(f"no headless Chromium on this machine: {missing}")
    assert any("list item marker: - swallowed after details" in p for p in result.raw_markdown)
    assert len(result.mermaid_errors) == 1 and len(result.overflowing_tables) == 1
    assert any('"roc_auc this run" and "roc_auc champion"' in p for p in result.overlapping_labels)
