"""Mermaid xychart-beta charts in the report: history and challenger vs champion, every label escaped, the
numbers in the form Mermaid's grammar reads, inside the comment budget."""

from __future__ import annotations

import re

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.markdown import mermaid_label
from mlspec.report.charts import number
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates

GATES = "gates:\n  - {metric: roc_auc, min: 0.95}\n"
# Mermaid's xychart lexer: a quoted string, a number (no exponent), or syntax.
STRING = r'"[^"\n]*"'
NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"
LINE = re.compile(
    rf"^(?:xychart-beta horizontal|    title {STRING}|    x-axis \[{STRING}(?:, {STRING})*\]"
    rf"|    y-axis {STRING} {NUMBER} --> {NUMBER}|    (?:bar|line) \[{NUMBER}(?:, {NUMBER})*\])$"
)


def _charts(text: str) -> list[list[str]]:
    return [block.splitlines() for block in re.findall(r"```mermaid\n(.*?)\n```", text, re.S)]


def _assert_parseable(text: str) -> None:
    blocks = _charts(text)
    assert blocks
    for block in blocks:
        for line in block:
            assert LINE.match(line), line
            assert "%%" not in line and not re.search(r"#\w+;", line)


@pytest.mark.parametrize(
    "hostile",
    [
        'a"b',
        "x]y[z",
        "two\nlines",
        "%%{init: {'theme': 'dark'}}%%",
        "%% comment",
        "#quot;#60;",
        "```\n# h",
        "<img src=x onerror=alert(1)>",
        "\u202eevil",
        "~~~",
        "a\r\nb\u2028c",
    ],
)
def test_mermaid_label_keeps_data_inside_one_string(hostile: str) -> None:
    label = mermaid_label(hostile)
    assert re.fullmatch(STRING, label), label
    inner = label[1:-1]
    assert not any(ch in inner for ch in '"`[]<>\n\r\u2028\u202e')
    assert "%%" not in inner and not re.search(r"#\w+;", inner)
    assert len(mermaid_label("x" * 500, 40)) == 42


def test_numbers_have_no_exponent() -> None:
    assert [number(v) for v in (0.9123456, 2.041e9, 1e-7, -0.25, 0.0, 3.0)] == [
        "0.912346",
        "2041000000",
        "0.0000001",
        "-0.25",
        "0",
        "3",
    ]


def test_one_chart_for_the_gated_metrics_from_zero_with_champion_and_gate_bound(tmp_path) -> None:
    """A 0.002 difference must not look like a halving: one axis from 0 for every gated metric, with the
    champion and each gate bound as their own bars (the bug: one chart per metric, its axis cut to the values)."""
    gates = GATES + "  - {metric: f1, min_delta: -0.01, vs: champion}\n"
    project = project_with_gates(tmp_path, gates)
    commit_champion(project, "staging", {"roc_auc": 0.962, "f1": 0.95, "accuracy": 0.9})
    record = make_record(
        project, {"roc_auc": 0.96, "f1": 0.97, "accuracy": 0.91}, tests={"data": outcome_of("data", 0, 2)}
    )
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    assert "#### Charts" in text and text.index("#### Metrics") < text.index("#### Charts") < text.index("#### Gates")
    _assert_parseable(text)
    [chart] = _charts(text)  # one chart, not one per metric; accuracy is not gated
    # bars across, labels stacked down the side: six labels side by side under the bars were drawn over each
    # other (tests/report/test_rendering.py measures that in the browser)
    assert chart[0] == "xychart-beta horizontal"
    assert chart[1] == '    title "gated metrics roc_auc (↑), f1 (↑): this run, champion, gate bounds"'
    assert chart[2] == (
        '    x-axis ["roc_auc this run", "roc_auc champion", "roc_auc gate min", '
        '"f1 this run", "f1 champion", "f1 gate: champion -0.01"]'
    )
    assert chart[3] == '    y-axis "value (axis from 0)" 0 --> 0.97'
    assert chart[4] == "    bar [0.96, 0.962, 0.95, 0.97, 0.95, 0.94]"


def test_metrics_of_different_scales_get_an_axis_each_all_from_zero(tmp_path) -> None:
    from mlspec.report.charts import charts_section
    from mlspec.spec.models import Gate

    record = make_record(project_with_gates(tmp_path, GATES), {"rmse": 52_000.0, "mae": 31_000.0, "r2": 0.81})
    gates = [Gate(metric="rmse", max=60_000.0), Gate(metric="r2", min=0.8), Gate(metric="mae", max=40_000.0)]
    lines = charts_section(record, {"rmse": 50_000.0, "r2": 0.83}, ["rmse", "mae", "r2"], [], gates)
    blocks = _charts("\n".join(lines))
    assert len(blocks) == 2  # rmse and mae share one axis; r2 (0.8) cannot share it honestly
    assert blocks[0][2].startswith('    x-axis ["rmse this run", "rmse champion", "rmse gate max", "mae this run"')
    assert blocks[0][3] == '    y-axis "value (axis from 0)" 0 --> 60000'
    assert blocks[1][3] == '    y-axis "value (axis from 0)" 0 --> 0.83'
    assert "drawn on 2 axes, each from 0" in lines[-1]


def test_hostile_metric_names_stay_inside_their_labels(tmp_path) -> None:
    project = project_with_gates(tmp_path, GATES)
    hostile = 'evil"]\n%%{init}%%'
    record = make_record(project, {"roc_auc": 0.97, hostile: 0.5}, run_id="20250105T000000000000Z-00009")
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    _assert_parseable(text)
    [chart] = _charts(text)
    assert chart[2] == '    x-axis ["roc_auc this run", "roc_auc gate min"]'
    from mlspec.report.charts import charts_section

    lines = charts_section(record, {}, [hostile], [])  # no gate: the declared metrics
    [other] = _charts("\n".join(lines))
    assert other[2].startswith("    x-axis [\"evil') %\u200b%{init}%\u200b%")


def test_charts_are_dropped_after_the_other_detail_when_space_runs_out(tmp_path) -> None:
    project = project_with_gates(tmp_path, GATES)
    commit_champion(project, "staging", {"roc_auc": 0.96})
    record = make_record(project, {"roc_auc": 0.98}, tests={"data": outcome_of("data", 300, 100, details="x" * 300)})
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    roomy = build_report(loaded, record, gate, max_chars=len(build_report(loaded, record, gate, max_chars=1 << 40)))
    assert "```mermaid" in roomy
    middle = build_report(loaded, record, gate, max_chars=20_000)
    assert "```mermaid" in middle and "left out: lineage details, passed checks, condition details)" in middle
    tight = build_report(loaded, record, gate, max_chars=8_000)
    assert len(tight) <= 8_000 and "```mermaid" not in tight
    assert "left out: lineage details, passed checks, condition details, charts, some failed checks" in tight
