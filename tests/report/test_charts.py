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
    rf"^(?:xychart-beta|    title {STRING}|    x-axis \[{STRING}(?:, {STRING})*\]"
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


def test_first_run_bars_challenger_and_champion(tmp_path) -> None:
    project = project_with_gates(tmp_path, GATES)
    commit_champion(project, "staging", {"roc_auc": 0.96, "f1": 0.95})
    record = make_record(project, {"roc_auc": 0.98, "f1": 0.97}, tests={"data": outcome_of("data", 0, 2)})
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    assert "#### Charts" in text and text.index("#### Metrics") < text.index("#### Charts") < text.index("#### Gates")
    _assert_parseable(text)
    roc = next(b for b in _charts(text) if "roc_auc (higher is better)" in b[1])
    assert roc == [
        "xychart-beta",
        '    title "roc_auc (higher is better): challenger vs champion"',
        '    x-axis ["challenger", "champion"]',
        '    y-axis "roc_auc" 0.955 --> 0.985',
        "    bar [0.98, 0.96]",
    ]
    assert "GitHub comments cannot show images" not in text


def test_history_bars_with_the_champion_as_a_line_and_hostile_metric_names(tmp_path) -> None:
    project = project_with_gates(tmp_path, GATES)
    commit_champion(project, "staging", {"roc_auc": 0.96})
    hostile = 'evil"]\n%%{init}%%'
    for i, value in enumerate([0.90, 0.93, 0.95]):
        make_record(project, {"roc_auc": value, hostile: 1.0 + i}, run_id=f"2025010{i + 1}T000000000000Z-0000{i}")
    record = make_record(project, {"roc_auc": 0.97, hostile: 5.0}, run_id="20250105T000000000000Z-00009")
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    _assert_parseable(text)
    roc, other = _charts(text)
    assert roc[1] == '    title "roc_auc (higher is better): last 4 runs (bars), champion 0.96 (line)"'
    assert roc[2].startswith('    x-axis ["#\u200b1 ') and roc[2].endswith(' this run"]')
    assert roc[4:] == ["    bar [0.9, 0.93, 0.95, 0.97]", "    line [0.96, 0.96, 0.96, 0.96]"]
    assert other[1].startswith("    title \"evil') %\u200b%{init}%\u200b%")


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
