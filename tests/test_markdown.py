"""One escaper for text from data (mlspec.markdown), and every Markdown writer routed through it: the
report (PR comment and job summary), the gate table, the promotion PR body and the drift summary.

Rendered with markdown-it (CommonMark + tables) and checked for what data must never produce: links,
images, HTML, @mentions, autolinks, issue references, broken tables or code spans."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mlspec import markdown

HOSTILE = [
    "[x](https://evil.example/a)",
    "![i](https://evil.example/p.png)",
    "[r]: https://evil.example/ref",
    "<https://evil.example/auto>",
    "https://evil.example/bare",
    "www.evil.example",
    "mail@evil.example",
    "@octocat",
    "@octo-org/admins",
    "see #12 and octo-org/other#3",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "&lt;b&gt; &#x3C;",
    "a|b|c",
    "a\\|b",
    "line1\nline2\r\n| x | y |",
    "`code` then `` double",
    "```",
    "**bold** _it_ ~~strike~~",
    "# heading",
    "> quote",
    "1. item",
    "- item",
    "\u202eevil\u2028x",
    "x" * 5000,
]
LINK_TEXT = re.compile(r"(?i)(https?|ftp)://|www\.|@[A-Za-z0-9]|#[0-9]")
ALLOWED_TAGS = {
    "p",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "blockquote",
    "details",
    "summary",
    "br",
    "hr",
    "pre",
    "a",
    "img",
}


def render(md: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(md)


def assert_safe(md: str, *, own_links: int = 0) -> None:
    """No link/image/HTML/mention/autolink that data could have made; every table row has its header's
    number of cells. ``own_links``: links the writer makes itself (e.g. the workflow run)."""
    html = render(md)
    assert html.count("<a ") <= own_links, html
    assert "<img" not in html and "<script" not in html and "onerror" not in html.replace("onerror=", "")
    tags = set(re.findall(r"<([a-z0-9]+)[\s>/]", html))
    raw = {t for t in tags if t not in ALLOWED_TAGS}
    assert not raw, (raw, html)
    outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)  # code spans never link or mention
    visible = re.sub(r"<[^>]+>", "", outside_code)
    assert not LINK_TEXT.search(visible), visible
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        header = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], flags=re.S):
            assert len(re.findall(r"<td[ >]", row)) == header, table


@pytest.mark.parametrize("value", HOSTILE)
def test_text_and_code_are_literal_and_inert(value: str) -> None:
    line = f"| a | b |\n|---|---|\n| {markdown.text(value, 300)} | {markdown.code(value, 300, table=True)} |\n"
    assert_safe(line)
    assert_safe(f"- {markdown.text(value)}: {markdown.code(value)}\n")
    assert "\n" not in markdown.text(value) and "\n" not in markdown.code(value)
    assert len(markdown.text(value, 300)) < 700


@pytest.mark.parametrize("value", ["a`b", "``x``", "`", "a | b", "ünïcödé", "x"])
def test_code_span_shows_the_value_exactly(value: str) -> None:
    html = render(markdown.code(value))
    assert re.sub(r"</?(p|code)>", "", html).strip() == value.replace("&", "&amp;").replace("<", "&lt;")


def test_text_keeps_ordinary_words_readable() -> None:
    assert markdown.text("roc_auc >= 0.95 (95% [0.01, 0.03])") == "roc_auc >= 0.95 (95% [0.01, 0.03\\])"
    assert markdown.text("mlspec 0.1.0") == "mlspec 0.1.0"


# --- every writer -------------------------------------------------------------------------------


_REPORT_PROJECTS: dict[Path, Path] = {}


def _report(tmp_path: Path, hostile: str) -> str:
    from mlspec.gate.evaluate import evaluate_gates
    from mlspec.report.markdown import build_report
    from mlspec.spec import load_spec
    from mlspec.state.record import Change, CheckOutcome, ConditionOutcome, DataFile, TestOutcome
    from tests.gate.support import make_record, project_with_gates

    # one project (a git repository) for all the hostile strings of a test: only the record differs
    project = _REPORT_PROJECTS.get(tmp_path.parent)
    if project is None:
        project = _REPORT_PROJECTS[tmp_path.parent] = project_with_gates(
            tmp_path.parent / "report-project", "gates:\n  - {metric: roc_auc, min: 0.95}\n"
        )
    check = CheckOutcome(
        name=hostile,
        suite=hostile,
        dataset=hostile,
        conditions=[ConditionOutcome(name=hostile, category="FAIL", details=hostile)],
    )
    record = make_record(
        project,
        {"roc_auc": 0.9, hostile: 0.5},
        tests={"data": TestOutcome(kind="data", passed=False, checks=[check])},
        changes=[Change(kind="data", what=hostile, detail=hostile)],
        trigger={"event": "push", "actor": hostile},
        data=[DataFile(role="train", path=hostile, digest="xxh3_128:" + "a" * 32, bytes=1, rows=1)],
    )
    loaded = load_spec(project / "mlproject.yaml")
    return build_report(loaded, record, evaluate_gates(loaded, record, "staging"))


def _gate_table(tmp_path: Path, hostile: str) -> str:
    from mlspec.gate.results import GateReport, GateResult

    result = GateResult(
        index=0,
        metric=hostile,
        kind="absolute",
        direction="higher",
        threshold=hostile,
        verdict="fail",
        reason=hostile,
        value=0.5,
    )
    report = GateReport(
        project="p",
        run_id="r",
        environment="staging",
        model_tag=None,
        champion=None,
        champion_source="",
        results=[result],
        notes=[hostile],
    )
    return report.markdown_table()


def _promotion_body(tmp_path: Path, hostile: str) -> str:
    from mlspec.promote.body import pr_body
    from mlspec.state.deploy import DeployedModel, Deployment

    # model_construct: deploy files now refuse such tags, but the body must not rely on every caller checking
    model = DeployedModel.model_construct(tag=hostile, version="v")
    deployment = Deployment.model_construct(
        project="p",
        environment="staging",
        model=model,
        metrics={},
        lineage={"run_id": hostile},
        promoted={"from_environment": hostile},
    )
    # the report is build_report's output (the "report" writer above); here the body's own fields
    return pr_body(deployment=deployment, deploy_file=hostile, report="### report", supersedes=hostile, run_url=None)


def _drift_summary(tmp_path: Path, hostile: str) -> str:
    from mlspec.monitor.drift_checks import CheckScore, DriftResult, FeatureScore
    from mlspec.monitor.summary import DriftRun
    from mlspec.monitor.summary import markdown as drift_markdown
    from mlspec.spec.models import DriftThresholds

    features = [
        FeatureScore(feature=hostile, score=0.9, method=hostile, threshold=0.2, drifted=True),
        FeatureScore(feature="ok", score=0.1, method="psi", threshold=0.2, drifted=False),
    ]
    checks = {"label": CheckScore(name="label", threshold=0.2, ran=False, reason=hostile)}
    result = DriftResult(
        features=features,
        checks=checks,
        thresholds=DriftThresholds(),
        sampled={"reference": 1, "current": 1},
        errors=[hostile],
    )
    run = DriftRun(
        project="p",
        environment="staging",
        reference={"path": hostile, "rows": 1},
        current={"path": hostile, "rows": 1},
        notes=[hostile],
    )
    return drift_markdown(result, run, plot=None)


WRITERS = {
    "report": _report,
    "gate table": _gate_table,
    "promotion body": _promotion_body,
    "drift summary": _drift_summary,
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_markdown_writer_escapes_data(tmp_path: Path, writer: str) -> None:
    for index, hostile in enumerate(HOSTILE):
        md = WRITERS[writer](tmp_path / str(index), hostile)
        assert_safe(md)


# --- the table templates and their `md` filter --------------------------------------------------


@pytest.mark.parametrize("value", [*HOSTILE, "${{ secrets.TOKEN }}", "{{ 7 * 7 }}", "{% raw %}", ""])
def test_md_filter_is_the_cell_escaper(value: str) -> None:
    assert markdown.md(value) == markdown.text(value)
    assert markdown.md(value, 60) == markdown.text(value, 60)
    assert markdown.md(value, code=True) == markdown.code(value, table=True)
    assert markdown.md(value, 100, code=True) == markdown.code(value, 100, table=True)


def _contexts(hostile: str) -> dict[str, dict[str, object]]:
    """A context for every template in mlspec/templates, with ``hostile`` in each field that comes from data."""
    data = {"role": hostile, "path": hostile, "digest": hostile, "rows": "1", "bytes": "2"}
    return {
        "report_metrics": {
            "rows": [
                {
                    "metric": hostile,
                    "better": "↑",
                    "value": "0.5000",
                    "baseline": "n/a",
                    "change": "—",
                    "interval": "—",
                    "mark": "✅",
                }
            ]
        },
        "data_files": {"rows": [data, data], "role_limit": 60, "digest_limit": 120},
        "card_features": {"rows": [{"name": hostile, "dtype": hostile, "treated": "numeric"}], "total": 3, "more": 2},
        "card_metrics": {
            "rows": [{"metric": hostile, "better": "?", "value": "—", "baseline": "—", "change": "—", "interval": "—"}]
        },
        "gate": {
            "rows": [
                {
                    "gate": hostile,
                    "value": hostile,
                    "baseline": hostile,
                    "delta": hostile,
                    "interval": hostile,
                    "passed": False,
                }
            ]
        },
        "drift_features": {
            "rows": [{"rank": 1, "feature": hostile, "score": "0.9", "threshold": "0.2", "method": hostile}]
        },
        "drift_checks": {
            "rows": [
                {"key": hostile, "score": "—", "threshold": "0.2", "ran": False, "drifted": False, "reason": hostile}
            ]
        },
        "release_metrics": {
            "rows": [{"name": hostile, "old": "n/a", "new": "0.5000", "change": "—"}],
            "now_label": hostile,
            "then_label": "candidate",
        },
        "rollback_changes": {"rows": [(hostile, hostile, None), (hostile, "", hostile)]},
    }


def test_every_table_template_has_a_hostile_context() -> None:
    folder = Path(markdown.__file__).parent / "templates"
    assert sorted(p.name.removesuffix(".md.j2") for p in folder.glob("*.md.j2")) == sorted(_contexts("x"))


@pytest.mark.parametrize("hostile", [*HOSTILE, "${{ secrets.TOKEN }}", "{{ 7 * 7 }}", "{% raw %}"])
def test_table_templates_escape_every_data_cell(hostile: str) -> None:
    for name, context in _contexts(hostile).items():
        lines = markdown.table(name, **context)
        table = "\n".join(lines) + "\n"
        assert_safe(table)
        rows = context["rows"]
        assert isinstance(rows, list)
        extra = 1 if name == "card_features" else 0  # the "… and 2 more" row
        assert len(lines) == 2 + len(rows) + extra, (name, table)  # one line a row: no line break got through
        if "{" in hostile:  # data is never read as a template: it shows as the escaped text or the code span
            assert "49" not in table
            assert markdown.text(hostile) in table or markdown.code(hostile, table=True) in table, (name, table)


def test_table_templates_are_compiled_once() -> None:
    env = markdown._environment()
    assert markdown._environment() is env
    assert env.get_template("gate.md.j2") is env.get_template("gate.md.j2")


def test_empty_tables_say_so() -> None:
    assert markdown.table("report_metrics", rows=[])[-1] == "| _no metrics recorded_ | | | | | | |"
    assert markdown.table("gate", rows=[])[-1] == "| _no gates declared_ | — | — | — | — | ✅ pass |"
    assert markdown.table("card_features", rows=[], total=0, more=0) == [
        "| feature (0) | dtype | treated as |",
        "|---|---|---|",
    ]
