"""The model card of a promotion: what the model is (task, label, classes, features with their types), the data
it learnt from (fingerprints and sizes), its metrics next to the champion's with the bootstrap intervals of the
gates, the checks that failed, errored, did not apply or did not run (stopped at the deadline, skipped), its
lineage (commit, params, library versions) and the spec's own `card:` fields (intended use, limitations, owners).

`mlspec promote` writes it into the promotion pull request and commits it beside the deploy file as
`deploy/<env>.card.md`. Deterministic for the same run and gate verdict (no clock), so a rerun of the same
promotion commits nothing new. Every value from data goes through `mlspec.markdown`; the card stays under
``MAX_CHARS`` (long lists are cut with a count of what was left out).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from mlspec import __version__, markdown, metrics_catalog
from mlspec.gate.results import fmt
from mlspec.markdown import code, text
from mlspec.report.change import metric_interval
from mlspec.report.markdown import data_rows
from mlspec.state.record import RunRecord

if TYPE_CHECKING:
    from mlspec.gate.results import GateReport
    from mlspec.spec import LoadedSpec
    from mlspec.state.deploy import Deployment

MAX_CHARS = 16_000
MAX_FEATURES = 60
OPEN_FEATURES = 12  # more features than this: the table is collapsed
MAX_CLASSES = 30
MAX_CHECKS = 30
TASKS = {"binary": "binary classification", "multiclass": "multiclass classification", "regression": "regression"}


def card_path(deploy_file: str) -> str:
    """`deploy/staging.yaml` -> `deploy/staging.card.md` (the card lives beside the deploy file)."""
    stem = deploy_file[: -len(".yaml")] if deploy_file.endswith(".yaml") else deploy_file
    return f"{stem}.card.md"


def _num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "—"
    return fmt(float(value))


def _features(loaded: LoadedSpec, record: RunRecord) -> list[tuple[str, str, str]]:
    """(feature, dtype, treated as) in the model's order; dtypes from the run record (what training saw), else
    from the spec alone ("?")."""
    data = loaded.spec.data
    categorical = set(data.categorical)
    recorded = record.model.features if record.model and record.model.features else None
    if recorded is not None:
        names = list(recorded)
    elif data.features:
        names = list(data.features)
    else:
        train = next((d for d in record.data if d.role in ("train", "source")), None)
        skip = {data.label, data.index, data.datetime}
        names = [c for c in (train.columns if train else []) if c not in skip]

    def treated(name: str) -> str:  # as the data tests treat it (pipeline.data.categorical_features)
        if name in categorical or (recorded or {}).get(name) == "str":
            return "categorical"
        return "datetime" if name == data.datetime else "numeric"

    return [(name, (recorded or {}).get(name, "?"), treated(name)) for name in names]


def _what(loaded: LoadedSpec, record: RunRecord) -> list[str]:
    spec = loaded.spec
    task = record.task or spec.evaluate.task
    lines = [
        "### What the model is",
        "",
        f"- task: {TASKS.get(task, text(task, 40))}, label {code(spec.data.label)}",
        f"- model {code(record.model.tag if record.model else 'none')}"
        + (f" ({text(record.model.kind, 20)})" if record.model and record.model.kind else ""),
    ]
    if spec.description:
        lines.append(f"- {text(spec.description, 500)}")
    classes = record.model.classes if record.model else None
    if classes:
        shown = ", ".join(code(c, 60) for c in classes[:MAX_CLASSES])
        more = f" and {len(classes) - MAX_CLASSES} more" if len(classes) > MAX_CLASSES else ""
        lines.append(f"- classes ({len(classes)}): {shown}{more}")
        if record.positive_class is not None:
            lines.append(
                f"- positive class: {code(str(record.positive_class), 60)} (evaluate.positive_class: precision, "
                "recall, f1, roc_auc and average_precision are scored for it)"
            )
    elif task != "regression":
        lines.append("- classes: not recorded by this run (runs of mlspec 0.1 record them from training on)")
    features = _features(loaded, record)
    if features:
        rows = [{"name": n, "dtype": t, "treated": c} for n, t, c in features[:MAX_FEATURES]]
        table = markdown.table(
            "card_features", rows=rows, total=len(features), more=max(0, len(features) - MAX_FEATURES)
        )
        if len(features) > OPEN_FEATURES:  # a long list collapsed: it pushed the metrics and checks a screen down
            summary = f"{len(features)} features: name, dtype, treated as"
            table = [f"<details><summary>{summary}</summary>", "", *table, "", "</details>"]
        lines += ["", *table]
    return lines


def _own_words(loaded: LoadedSpec) -> list[str]:
    card = loaded.spec.card
    missing = "_not stated (set `card.{}` in the spec)_"
    owners = ", ".join(code(o, 100) for o in card.owners) if card.owners else missing.format("owners")
    return [
        "### Intended use",
        "",
        text(card.intended_use) if card.intended_use else missing.format("intended_use"),
        "",
        "### Limitations",
        "",
        text(card.limitations) if card.limitations else missing.format("limitations"),
        "",
        f"Owners: {owners}",
    ]


def _data(record: RunRecord) -> list[str]:
    lines = ["### Data", ""]
    if not record.data:
        return [*lines, "No data files were recorded for this run."]
    lines += markdown.table("data_files", rows=data_rows(record, short=False), role_limit=20, digest_limit=120)
    if record.split:
        lines += ["", f"Split: {code(json.dumps(record.split, sort_keys=True, default=str), 600)}"]
    return lines


def _champion(gate_report: GateReport) -> tuple[str | None, dict[str, Any]]:
    tag = gate_report.champion.model.tag if gate_report.champion is not None else None
    return tag, gate_report.champion_metrics()


def _metrics(loaded: LoadedSpec, record: RunRecord, gate_report: GateReport) -> list[str]:
    env = gate_report.environment
    tag, champion = _champion(gate_report)
    where = f" in {code(env)}" if env else ""
    lines = [
        "### Metrics vs the champion",
        "",
        f"Champion{where}: {code(tag) if tag else 'none yet'}. Change: this model minus the champion. Interval: the "
        "bootstrap interval of that change, where a gate declares `bootstrap` (a change whose interval contains 0 is "
        "within noise).",
        "",
    ]
    rows = []
    declared = [m for m in loaded.spec.evaluate.metric_names() if m in record.metrics]
    results = gate_report.results
    for metric in declared + sorted(m for m in record.metrics if m not in declared):
        value, base = record.metrics.get(metric), champion.get(metric)
        try:
            better = "↑" if metrics_catalog.direction(metric) == "higher" else "↓"
        except KeyError:
            better = "?"
        interval = metric_interval(results, metric)
        diff = (
            float(value) - float(base)
            if isinstance(value, (int, float))
            and isinstance(base, (int, float))
            and math.isfinite(value)
            and math.isfinite(base)
            else None
        )
        comparable = diff is not None
        change = fmt(diff, signed=True) if diff is not None else "—"
        if comparable and interval is not None and interval.contains_zero:
            change += " (within noise)"
        rows.append(
            {
                "metric": metric,
                "better": better,
                "value": _num(value),
                "baseline": _num(base),
                "change": change,
                "interval": interval.text() if interval is not None and comparable else "—",
            }
        )
    return lines + markdown.table("card_metrics", rows=rows)


def _checks(loaded: LoadedSpec, record: RunRecord) -> list[str]:
    lines = ["### Checks that failed, errored, did not apply or did not run", ""]
    entries: list[str] = []
    for kind in ("data", "model"):
        outcome = record.tests.get(kind)
        enabled = getattr(getattr(loaded.spec.tests, kind), "enabled", True)
        if outcome is None:
            entries.append(f"- {kind} tests: {'not run in this run' if enabled else 'disabled in the spec'}")
            continue
        rank = {"failed": 0, "errored": 1, "not_applicable": 2}
        for check in sorted(outcome.checks, key=lambda c: (rank.get(outcome.status(c), 3), c.name, c.dataset or "")):
            where = f" ({text(check.dataset, 20)})" if check.dataset else ""
            status = outcome.status(check)
            if status == "failed":
                worst = next((c for c in check.conditions if c.category == check.worst), None)
                why = f": {text(worst.name, 200)}" if worst else ""
                entries.append(f"- ❌ {kind}: **{text(check.name, 100)}**{where} {check.worst}{why}")
            elif status == "errored":
                icon = "❌" if outcome.fails(check) else "❗"
                error = f"{check.error}: " if check.error else ""
                entries.append(
                    f"- {icon} {kind}: **{text(check.name, 100)}**{where} errored: {text(error + check.reason, 200)}"
                )
            elif status == "not_applicable":
                icon = "❌" if outcome.fails(check) else "➖"
                entries.append(
                    f"- {icon} {kind}: **{text(check.name, 100)}**{where} not applicable"
                    + (f": {text(check.reason, 200)}" if check.reason else "")
                )
        entries += [
            f"- ⏱️ {kind}: **{text(name, 100)}** stopped at the deadline (`tests.{kind}.check_timeout_seconds`), "
            "not passed"
            for name in outcome.timed_out
        ]
        entries += [f"- ⏭️ {kind}: **{text(name, 100)}** skipped by `tests.{kind}.skip`" for name in outcome.skipped]
    if not entries:
        return [*lines, "None: every check ran and none failed."]
    lines += entries[:MAX_CHECKS]
    if len(entries) > MAX_CHECKS:
        lines.append(f"- … and {len(entries) - MAX_CHECKS} more (see the run's test reports)")
    return lines


def _lineage(record: RunRecord) -> list[str]:
    dirty = " (with uncommitted changes)" if record.git.dirty else ""
    lines = [
        "### Lineage",
        "",
        f"- run {code(record.run_id)}, commit {code(record.git.commit or 'unknown')}{dirty}"
        + (f" on {code(record.git.branch)}" if record.git.branch else ""),
        f"- spec {code(record.spec_path)}, digest {code(record.spec_digest)}",
    ]
    if record.seed is not None:
        lines.append(f"- seed {record.seed}")
    lines.append(f"- params {code(json.dumps(record.params, sort_keys=True, default=str), 1500)}")
    versions = {"mlspec": __version__, **record.versions}
    lines.append(
        "- library versions: " + ", ".join(f"{text(k, 60)} {code(v, 60)}" for k, v in sorted(versions.items()))
    )
    return lines


def model_card(loaded: LoadedSpec, record: RunRecord, gate_report: GateReport) -> str:
    """The card as Markdown (at most MAX_CHARS characters)."""
    tag = record.model.tag if record.model else "no model"
    env = gate_report.environment
    head = [
        card_title(tag),
        "",
        f"Project {code(loaded.spec.name)}" + (f", promoted to {code(env)}" if env else "") + ". "
        "Written by `mlspec promote` from the run record and the spec's `card:`.",
    ]
    parts = [
        head,
        _what(loaded, record),
        _own_words(loaded),
        _data(record),
        _metrics(loaded, record, gate_report),
        _checks(loaded, record),
        _lineage(record),
    ]
    out = "\n\n".join("\n".join(p) for p in parts) + "\n"
    if len(out) > MAX_CHARS:
        note = "\n\n> ✂️ The card was cut to stay within the pull request's size limit.\n"
        out = out[: MAX_CHARS - len(note)].rsplit("\n", 1)[0] + note
    return out


def card_title(tag: str) -> str:
    """The first line of every card of model ``tag`` (how a card restored from history is recognised)."""
    return f"## Model card: {code(tag)}"


def card_from_deployment(deployment: Deployment, note: str) -> str:
    """A card rebuilt from a deploy file alone, for a rollback to a model whose own card is not in the history
    (it was promoted before cards existed): the model, its metrics and lineage as the deploy file records them,
    and ``note`` saying why this card stands in for the original."""
    lineage = deployment.lineage
    lines = [
        card_title(deployment.model.tag),
        "",
        f"Project {code(deployment.project)}, in {code(deployment.environment)}. {note}",
        "",
        "### Metrics (test set of the model's run)",
        "",
    ]
    lines += [f"- {text(name, 60)}: {_num(value)}" for name, value in sorted(deployment.metrics.items())] or ["- none"]
    lines += [
        "",
        "### Lineage",
        "",
        f"- run {code(str(lineage.get('run_id') or 'unknown'))}, commit {code(str(lineage.get('commit') or 'unknown'))}"
        + (" (with uncommitted changes)" if lineage.get("dirty") else ""),
        f"- params {code(json.dumps(lineage.get('params') or {}, sort_keys=True, default=str), 1500)}",
    ]
    return "\n".join(lines) + "\n"
