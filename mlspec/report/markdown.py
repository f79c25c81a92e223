"""The run report as GitHub Markdown: verdict, metrics vs champion, gates, tests (failed first), why the
run happened, lineage, links and the plot. Deterministic for the same inputs (the only time shown is
the record's). Kept under ``max_chars`` by dropping detail in a fixed order, with a pointer to the full
report."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlspec import __version__, markdown, metrics_catalog
from mlspec.gate.results import GateReport, fmt
from mlspec.markdown import code
from mlspec.markdown import text as plain  # literal text from data: no links, mentions or HTML
from mlspec.project import Project
from mlspec.report.change import Interval, change_words, metric_interval
from mlspec.report.charts import charts_section
from mlspec.state.layout import run_file_text
from mlspec.state.record import Change, CheckOutcome, RunRecord, TestOutcome

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec

PLOT_FILE = "report.png"
UNLIMITED = 1 << 40


def comment_marker(project: str) -> str:
    """Hidden HTML marker identifying the sticky report comment of one project on a pull request."""
    return markdown.hidden_marker("report", project)


def legacy_comment_markers(project: str) -> list[str]:
    """The report comment's marker before mlspec had one marker format: still recognised, so the comment already
    on a pull request is edited, not doubled."""
    return [f"<!-- mlspec-report:{project} -->"]


@dataclass(frozen=True)
class Detail:
    """How much to show; trimming switches these off in order."""

    lineage: bool = True
    passed_checks: bool = True
    conditions: bool = True
    max_failed_checks: int | None = None
    charts: bool = True


TRIM_STEPS: list[tuple[str, Detail]] = [
    ("lineage details", Detail(lineage=False)),
    ("passed checks", Detail(lineage=False, passed_checks=False)),
    ("condition details", Detail(lineage=False, passed_checks=False, conditions=False)),
    ("charts", Detail(lineage=False, passed_checks=False, conditions=False, charts=False)),
]


def short_digest(digest: str | None, length: int = 12) -> str:
    if not digest:
        return "—"
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[:length]


def plural(count: int, noun: str) -> str:
    """`1 check`, `2 checks`, `0 checks`: the count and the noun (its last word) in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def actions_run_url(environ: dict[str, str] | None = None) -> str | None:
    """The page of the CI run this report is made in (the code host's: mlspec/hosts/all_hosts.py), when known."""
    import os

    from mlspec.hosts.all_hosts import current

    env = os.environ if environ is None else environ
    return current(env).run_url(env)


# --- sections -----------------------------------------------------------------------------------


def _verdict(record: RunRecord, gate: GateReport) -> list[str]:
    icon = "✅" if gate.passed else "❌"
    if not gate.results:
        state = f"no gates declared for `{gate.environment}`"
    elif gate.passed:
        state = f"gate passed for `{gate.environment}`"
    else:
        cause = gate.failure_cause()
        state = (
            f"gate not passed for `{gate.environment}` ({len(gate.failed)} of {plural(len(gate.results), 'check')} failed"
            + (f": {cause})" if cause else ")")
        )
    model = code(record.model.tag) if record.model else "no model"
    champion = code(gate.champion.model.tag) if gate.champion else "none yet"
    return [
        f"### {icon} {plain(record.project)}: {state}",
        "",
        f"Model {model} · run {code(record.run_id)} · {plain(when(record.created))} · champion in "
        f"`{gate.environment}`: {champion}",
    ]


MAX_ACT_FIRST = 8  # lines of the "act on first" list before the rest is counted


def _act_first(record: RunRecord, gate: GateReport) -> list[str]:
    """What a reviewer must act on first, right under the verdict: every failed gate row with its reason (failed
    tests are gate rows too), then the checks that errored or were stopped at the deadline without failing the
    tests (a check that did not run is not a pass). Nothing when everything passed and ran."""
    items = [f"- ❌ {code(r.threshold, 200)}: {plain(r.reason, 400) if r.reason else 'failed'}" for r in gate.failed]
    for kind in ("data", "model"):
        outcome = record.tests.get(kind)
        if outcome is None:
            continue
        errored = [c for c in outcome.checks if not outcome.fails(c) and outcome.status(c) == "errored"]
        if errored:
            names = ", ".join(plain(c.name, 100) for c in errored[:5])
            more = f" and {len(errored) - 5} more" if len(errored) > 5 else ""
            items.append(
                f"- ❗ {kind} tests: {plural(len(errored), 'check')} errored, so did not check anything: "
                f"{names}{more} (tests.{kind}.errored: {outcome.errored})"
            )
        timed_out = list(getattr(outcome, "timed_out", None) or [])
        if timed_out:
            names = ", ".join(plain(n, 100) for n in timed_out[:5])
            more = f" and {len(timed_out) - 5} more" if len(timed_out) > 5 else ""
            items.append(f"- ⏱️ {kind} tests: stopped at the deadline, not passed: {names}{more}")
    if not items:
        return []
    shown = items[:MAX_ACT_FIRST]
    if len(items) > MAX_ACT_FIRST:
        shown.append(f"- … and {len(items) - MAX_ACT_FIRST} more below")
    return ["**Act on first:**", "", *shown]


def when(created: str) -> str:
    """`2026-12-05T05:00:50.157826Z` -> `2026-12-05 05:00 UTC`: to the minute, with its time zone; anything else
    as it is."""
    import re

    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z", created or "")
    return f"{match.group(1)} {match.group(2)} UTC" if match else created


def _ordered_metrics(loaded: LoadedSpec, record: RunRecord) -> list[str]:
    declared = [m for m in loaded.spec.evaluate.metric_names() if m in record.metrics]
    return declared + sorted(m for m in record.metrics if m not in declared)


def _change_text(metric: str, value: float | None, baseline: float | None, interval: Interval | None = None) -> str:
    """`▼ -0.0023 (worse)`: the difference and its direction; `(within noise)` when the bootstrap interval of the
    difference contains 0."""
    if value is None or baseline is None or not math.isfinite(value) or not math.isfinite(baseline):
        return "—"
    diff = value - baseline
    if diff == 0:
        return "= 0"
    try:
        good: str | None = metrics_catalog.direction(metric)
    except KeyError:
        good = None
    words = change_words(diff, good, interval)
    return f"{'▲' if diff > 0 else '▼'} {fmt(diff, signed=True)}" + (f" ({words})" if words else "")


def _as_float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _metrics(loaded: LoadedSpec, record: RunRecord, gate: GateReport) -> list[str]:
    champion = gate.champion_metrics()
    rows = []
    for metric in _ordered_metrics(loaded, record):
        value, baseline = _as_float(record.metrics.get(metric)), _as_float(champion.get(metric))
        try:
            better = "↑" if metrics_catalog.direction(metric) == "higher" else "↓"
        except KeyError:
            better = "?"
        verdicts = [r for r in gate.results if r.metric == metric]
        mark = "—" if not verdicts else ("✅" if all(r.passed for r in verdicts) else "❌")
        interval = metric_interval(gate.results, metric)
        rows.append(
            {
                "metric": metric,
                "better": better,
                "value": fmt(value),
                "baseline": fmt(baseline),
                "change": _change_text(metric, value, baseline, interval),
                "interval": interval.text() if interval is not None and baseline is not None else "—",
                "mark": mark,
            }
        )
    lines = ["#### Metrics (test set)", "", *markdown.table("report_metrics", rows=rows)]
    if champion and any(r["change"] not in ("—", "= 0") for r in rows):
        lines += [
            "",
            "change: this run minus the champion (▲ up, ▼ down; better or worse by the metric's direction). "
            "interval: the bootstrap interval of that change, where a gate declares `bootstrap`; a change whose "
            "interval contains 0 is within noise. Without an interval (—) a small change may be noise.",
        ]
    if record.positive_class is not None:
        lines += [
            "",
            f"Positive class: {code(str(record.positive_class))} (evaluate.positive_class; precision, recall, f1, "
            "roc_auc and average_precision are scored for it).",
        ]
    if gate.test_data:
        lines += ["", f"Test data: {plain(gate.test_data)}."]
    return lines


def _gates(gate: GateReport) -> list[str]:
    lines = ["#### Gates", "", gate.markdown_table()]
    if gate.champion is not None:
        lines += ["", f"Champion read from {code(gate.champion_source)}."]
    return lines


_RANK = {"ERROR": 0, "FAIL": 1, "WARN": 2}
# how the report shows each status: icon and words; failed checks first, then errored, warnings, passed and,
# last, the checks that do not apply to this task or data
STATUS_ICON = {"failed": "❌", "errored": "❗", "warning": "⚠️", "passed": "✅", "not_applicable": "➖"}


def _check_rank(check: CheckOutcome, outcome: TestOutcome) -> tuple[int, str, str]:
    if outcome.fails(check):
        rank = _RANK.get(check.worst or "", 1)
    else:
        rank = {"errored": 3, "warning": 4, "passed": 5}.get(outcome.status(check), 6)
    return (rank, check.name, check.dataset or "")


def _check_line(check: CheckOutcome, outcome: TestOutcome) -> str:
    status = outcome.status(check)
    icon = "❌" if outcome.fails(check) else STATUS_ICON[status]
    where = " · ".join(plain(part, 100) for part in (check.suite, check.dataset) if part)
    suite = f" ({where})" if where else ""
    if status == "errored":
        error = f"{check.error}: " if check.error else ""
        state, why = "errored", f": {plain(error + check.reason, 300)}"
    elif status == "not_applicable":
        state, why = "not applicable", f": {plain(check.reason, 300)}" if check.reason else ""
    else:
        state, why = check.worst or "no conditions", ""
    return f"- {icon} **{plain(check.name, 200)}**{suite}: {state}{why}"


def _condition_lines(check: CheckOutcome) -> list[str]:
    order = {"ERROR": 0, "FAIL": 1, "WARN": 2, "PASS": 3}
    conditions = sorted(check.conditions, key=lambda c: order.get(c.category, 4))
    return [
        f"  - {c.category}: {plain(c.name, 300)}" + (f" — {plain(c.details, 1000)}" if c.details else "")
        for c in conditions
    ]


def _collapsed(title: str, checks: list[CheckOutcome], outcome: TestOutcome, detail: Detail) -> list[str]:
    lines = ["", f"<details><summary>{title}</summary>", ""]
    for check in checks:  # with their conditions, whose names carry the thresholds
        lines.append(_check_line(check, outcome))
        if detail.conditions:
            lines += _condition_lines(check)
    return [*lines, "", "</details>", ""]  # an HTML block ends only at a blank line: what follows stays Markdown


def _tests_section(outcome: TestOutcome, detail: Detail) -> tuple[list[str], int]:
    """Lines of one test kind, and how many failed checks were left out by max_failed_checks. The heading
    counts every status ("18 checks: 7 passed, 2 errored, 9 not applicable"); failed checks come first, then
    errored ones with their error, warnings, and collapsed at the end the passed and not-applicable checks."""
    checks = sorted(outcome.checks, key=lambda c: _check_rank(c, outcome))
    failed = [c for c in checks if outcome.fails(c)]
    others = [c for c in checks if not outcome.fails(c)]
    verdict = outcome.verdict()
    icon = "❌" if not outcome.passed else "✅" if verdict == "passed" else "⚠️"
    title = "Data tests" if outcome.kind == "data" else "Model tests"
    lines = [
        f"#### {icon} {title}: {verdict} ({outcome.counts_text()}; "
        f"fail_on: {outcome.fail_on}, errored: {outcome.errored})",
        "",
    ]
    shown = failed if detail.max_failed_checks is None else failed[: detail.max_failed_checks]
    for check in shown:
        lines.append(_check_line(check, outcome))
        if detail.conditions:
            lines += _condition_lines(check)
    left_out = len(failed) - len(shown)
    if left_out:
        lines.append(f"- … and {left_out} more failed {'check' if left_out == 1 else 'checks'} (see the full report)")
    errored = [c for c in others if outcome.status(c) == "errored"]
    for check in errored:  # errors are never hidden: a check that errored is not a pass
        lines.append(_check_line(check, outcome))
    attention = [c for c in others if outcome.status(c) == "warning"]
    quiet = [c for c in others if outcome.status(c) == "passed"]
    inapplicable = [c for c in others if outcome.status(c) == "not_applicable"]
    for check in attention:  # warnings stay visible while there is room
        if detail.passed_checks:
            lines.append(_check_line(check, outcome))
            if detail.conditions:
                lines += _condition_lines(check)
    if detail.passed_checks:
        if quiet:
            lines += _collapsed(f"{plural(len(quiet), 'passed check')}", quiet, outcome, detail)
        if inapplicable:
            lines += _collapsed(
                f"{plural(len(inapplicable), 'check')} not applicable to this task or data",
                inapplicable,
                outcome,
                detail,
            )
    elif quiet or attention or inapplicable:
        others_count = len(quiet) + len(attention) + len(inapplicable)
        lines.append(
            f"- {plural(others_count, 'other check')} (passed, warned or not applicable) "
            f"{'is' if others_count == 1 else 'are'} in the full report"
        )
    skipped = getattr(outcome, "skipped", None) or []
    if skipped:
        lines.append(f"- ⏭️ not run (tests.{outcome.kind}.skip): " + ", ".join(plain(n, 100) for n in skipped))
    timed_out = getattr(outcome, "timed_out", None) or []
    if timed_out:
        lines.append(
            f"- ⏱️ stopped at the deadline (tests.{outcome.kind}.check_timeout_seconds), not passed: "
            + ", ".join(plain(n, 100) for n in timed_out)
        )
    if getattr(outcome, "columns_note", ""):
        lines.append(f"- ✂️ columns: {plain(outcome.columns_note, 500)}")
    for note in getattr(outcome, "sampling", None) or []:
        lines.append(f"- 🎲 sampled: {plain(note, 300)}")
    for note in getattr(outcome, "notes", None) or []:
        lines.append(f"- ℹ️ how they ran: {plain(note, 300)}")
    tidy = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]  # one blank line at a time
    while tidy and not tidy[-1]:
        tidy.pop()
    return tidy, left_out


def _not_run(record: RunRecord, kind: str) -> list[str]:
    """The heading of a kind of test that has no outcome because its stage did not run or failed before any check
    finished (a later stage after failed data tests, an error): said, never left out as if there were nothing to
    see. Nothing for a kind that is off in the spec or was never part of the run."""
    stage = record.stage({"data": "data_tests", "model": "model_tests"}[kind])
    if stage is None:
        return []
    failed = stage.status == "failed"
    if not failed and not (stage.status == "skipped" and stage.message.startswith("not run")):
        return []  # passed, cached, or disabled in the spec (`tests.<kind>.enabled: false`)
    title = "Data tests" if kind == "data" else "Model tests"
    reason = stage.message.removeprefix("not run").lstrip(": ")
    why = f" ({plain(reason, 300)})" if reason else ""
    icon = "❌" if failed else "⏭️"
    state = "did not finish" if failed else "not run"
    return [f"#### {icon} {title}: {state}{why}", "", "No result of these checks was recorded, so none of them passed."]


def _tests(record: RunRecord, detail: Detail) -> list[str]:
    lines: list[str] = []
    for kind in ("data", "model"):
        outcome = record.tests.get(kind)
        if outcome is None:
            missing = _not_run(record, kind)
            if missing:
                lines += ["", *missing]
            continue
        section, _ = _tests_section(outcome, detail)
        lines += ["", *section]
    return lines[1:] if lines else ["#### Tests", "", "No data or model tests were recorded for this run."]


def _change_line(change: Change) -> str:
    detail = f" ({plain(change.detail, 200)})" if change.detail else ""
    what = code(change.what)
    if change.kind == "first-run":  # the detail says the same ("first run of this project") unless it adds to it
        extra = detail if change.detail and change.detail.strip() != "first run of this project" else ""
        return f"- first run of this project{extra}"
    if change.kind == "data":
        return f"- retrained because {what} changed{detail}"
    if change.kind == "config":
        return f"- the spec changed at {what}{detail}"
    if change.kind == "code":
        return f"- the training code {what} changed{detail}"
    if change.kind == "drift":
        return f"- retrained because the drift monitor found drift in {what}: {plain(change.detail, 300)}"
    return f"- the environment changed: {what}{detail}"


def _why(record: RunRecord) -> list[str]:
    """What caused this run (changes since the previous run) and what the promotion would change (changes
    since the champion), each under its own label, then the trigger."""
    baseline = record.changes_baseline or {}
    kind = baseline.get("kind")
    changes = [_change_line(c) for c in record.changes]
    blocks: list[list[str]] = []
    if kind == "champion":  # a record written before mlspec said both: its changes are the champion's
        blocks.append(_champion_lines(record.changes, baseline))
    else:
        if kind == "previous-run":
            blocks.append([f"Since the previous run ({code(baseline.get('run_id'), 60)}):"])
            blocks.append(changes or ["- nothing changed (a rerun)"])
        elif kind == "unknown":
            blocks.append(
                ["Since the previous run: no earlier run of this project was recorded here (CI starts fresh)"]
            )
            blocks += [changes] if changes else []
        else:  # the first run, or a record without a baseline
            blocks.append(changes or ["- nothing changed since the previous run (a rerun)"])
        champion = record.champion_baseline
        if champion is not None and kind == "previous-run" and champion.get("run_id") == baseline.get("run_id"):
            blocks.append(
                [f"Since the champion ({code(champion.get('model'), 120)}): the same, it is the previous run"]
            )
        elif champion is not None:
            blocks.append(_champion_lines(record.champion_changes, champion))
        elif kind in ("previous-run", "unknown"):
            blocks.append(["Since the champion: none yet (nothing promoted to the first environment)"])
    if record.trigger:
        parts = [
            f"{plain(k, 50)}: {code(v)}"
            for k, v in sorted(record.trigger.items())
            if v not in (None, "") and not k.startswith("drift")
        ]  # drift: its own line above
        if parts:
            blocks.append([f"- trigger: {', '.join(parts)}"])
    lines = ["#### Why this run"]
    for block in blocks:
        lines += ["", *block]
    return lines


def _champion_lines(changes: list[Change], baseline: dict[str, Any]) -> list[str]:
    where = baseline.get("environment")
    head = f"Since the champion ({code(baseline.get('model'), 120)}" + (f" in {code(where, 60)}" if where else "")
    head += "):"
    body = [_change_line(c) for c in changes] or ["- nothing changed: this run has the champion's inputs"]
    return [head, "", *body]


def split_text(split: dict[str, Any]) -> str:
    """`time` by `sold_at`: train until 2024-05-31, test from 2024-06-01 (1,600 / 400 rows), as Markdown."""
    method = str(split.get("method", "random"))
    parts = [code(method)]
    if split.get("column"):
        parts.append(f"by {code(split['column'])}")
    if split.get("cutoff"):
        parts.append(f"at cut-off {code(split['cutoff'])}")
    elif split.get("test_size") is not None:
        unit = "groups" if method == "group" else "rows"
        parts.append(f"test {plain(split['test_size'], 20)} of the {unit}")
    if split.get("seed") is not None and method != "time":
        parts.append(f"seed {plain(split['seed'], 30)}")
    if split.get("train_until"):
        parts.append(f"train until {code(split['train_until'])}, test from {code(split.get('test_from'))}")
    groups = split.get("groups") or {}
    if groups:
        parts.append(f"groups {plain(groups.get('train'), 20)} train / {plain(groups.get('test'), 20)} test")
    rows = split.get("rows") or {}
    if rows:
        parts.append(f"rows {plain(rows.get('train'), 20)} train / {plain(rows.get('test'), 20)} test")
    if split.get("test_rows"):
        parts.append(f"test rows {code(split['test_rows'])}")
    return ", ".join(parts)


def data_rows(record: RunRecord, short: bool) -> list[dict[str, str]]:
    """The rows of the data_files table, by role: the digest shortened (``short``) or whole."""
    return [
        {
            "role": item.role,
            "path": item.path,
            "digest": short_digest(item.digest) if short else item.digest,
            "rows": f"{item.rows:,}" if item.rows is not None else "—",
            "bytes": f"{item.bytes:,}",
        }
        for item in sorted(record.data, key=lambda d: d.role)
    ]


def _lineage(loaded: LoadedSpec, record: RunRecord) -> list[str]:
    commit = record.git.commit or "unknown"
    dirty = " (uncommitted changes)" if record.git.dirty else ""
    branch = f" on {code(record.git.branch)}" if record.git.branch else ""
    lines = [
        "<details><summary>Lineage</summary>",
        "",
        f"- commit {code(commit)}{dirty}{branch}",
        f"- spec {code(record.spec_path)}, digest {code(short_digest(record.spec_digest))}",
    ]
    if record.seed is not None:
        lines.append(f"- seed {record.seed}")
    from mlspec.store.cache import reused_lines

    lines += reused_lines(record)
    if record.params:
        lines.append(f"- params {code(json.dumps(record.params, sort_keys=True, default=str), 1000)}")
    split = getattr(record, "split", None)
    if split:
        lines.append(f"- split {split_text(split)}")
    if record.data:
        lines += [
            "",
            *markdown.table("data_files", rows=data_rows(record, short=True), role_limit=60, digest_limit=300),
        ]
    versions = {"mlspec": __version__, **record.versions}
    lines += ["", "- versions: " + ", ".join(f"{plain(k, 60)} {plain(v, 60)}" for k, v in sorted(versions.items()))]
    lines += ["", "</details>"]
    return lines


def _links(run_url: str | None, artifact_url: str | None, embed: str | None, mention: str | None) -> list[str]:
    """Links to the run and artifacts. The plot is embedded only in the report file (``embed``, a relative
    link); comments and summaries cannot show a runner's local image, so they link the artifact or name the file."""
    lines = []
    if run_url:
        lines.append(f"- [workflow run]({run_url})")
    if artifact_url:
        lines.append(f"- [artifacts]({artifact_url}): record.json, report.md, {PLOT_FILE}, test reports")
    if mention and not embed:
        where = f"in the [artifacts]({artifact_url})" if artifact_url else f"at {code(mention)}"
        lines.append(f"- 📈 the same charts as a PNG (challenger vs champion, history) {where}")
    out = ["#### Links", "", *lines] if lines else []
    if embed:
        out += (["", ""] if out else []) + [f"![metrics: challenger vs champion]({embed})"]
    return out


def _compose(
    loaded: LoadedSpec,
    record: RunRecord,
    gate: GateReport,
    detail: Detail,
    run_url: str | None,
    artifact_url: str | None,
    plot: str | None,
    mention: str | None,
    trimmed: list[str],
    full_report: str,
    charts: list[str] | None = None,
) -> str:
    parts: list[list[str]] = [_verdict(record, gate)]
    act = _act_first(record, gate)
    if act:  # right under the verdict: a reviewer reads what blocks the pull request before any number
        parts.append(act)
    parts.append(_metrics(loaded, record, gate))
    if charts and detail.charts:  # Mermaid: GitHub draws it in comments, PR bodies and job summaries
        parts.append(charts)
    parts += [_gates(gate), _tests(record, detail), _why(record)]
    if detail.lineage:
        parts.append(_lineage(loaded, record))
    links = _links(run_url, artifact_url, plot, mention)
    if links:
        parts.append(links)
    if trimmed:
        parts.append(
            [
                f"> ✂️ Trimmed to stay under GitHub's size limit (left out: {', '.join(trimmed)}). "
                f"The full report is {full_report}."
            ]
        )
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def build_report(
    project: ProjectLike,
    record: RunRecord,
    gate_report: GateReport,
    *,
    run_url: str | None = None,
    artifact_url: str | None = None,
    max_chars: int = 65_000,
    plot: str | None = None,
) -> str:
    """The report Markdown, at most ``max_chars`` characters. ``plot``: relative link under which to embed
    the PNG (report files only); otherwise an existing plot of the run is linked or named, never embedded.
    Links default to GitHub Actions' run (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID)."""
    project = Project.of(project)
    loaded, store = project.loaded, project.runs
    run_url = run_url or actions_run_url()
    if artifact_url is None and run_url:
        artifact_url = f"{run_url}#artifacts"
    mention = None
    if (store.run_dir(record.run_id) / PLOT_FILE).is_file():
        mention = run_file_text(record.run_id, PLOT_FILE)
    full_report = (
        f"in the [run's artifacts]({artifact_url}) (report.md)"
        if artifact_url
        else f"`{run_file_text(record.run_id, 'report.md')}`"
    )
    charts = charts_section(
        record,
        gate_report.champion_metrics(),
        _ordered_metrics(loaded, record),
        store.history(loaded.spec.name),
        loaded.spec.gates,
    )
    text = _compose(
        loaded, record, gate_report, Detail(), run_url, artifact_url, plot, mention, [], full_report, charts
    )
    if len(text) <= max_chars:
        return text
    dropped: list[str] = []
    detail = Detail()
    for name, step in TRIM_STEPS:
        dropped.append(name)
        detail = step
        text = _compose(
            loaded, record, gate_report, detail, run_url, artifact_url, plot, mention, dropped, full_report, charts
        )
        if len(text) <= max_chars:
            return text
    # Last resort: fewer failed checks, halving until it fits.
    failed = sum(len(t.checks) for t in record.tests.values())
    keep = failed
    while keep > 0:
        keep //= 2
        detail = replace(detail, max_failed_checks=keep)
        text = _compose(
            loaded,
            record,
            gate_report,
            detail,
            run_url,
            artifact_url,
            plot,
            mention,
            [*dropped, "some failed checks"],
            full_report,
        )
        if len(text) <= max_chars:
            return text
    note = f"\n\n> ✂️ Cut at {max_chars:,} characters; the full report is {full_report}.\n"
    return text[: max(0, max_chars - len(note))] + note
