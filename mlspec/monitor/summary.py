"""Words for a drift result: the one-line summary (also the CT trigger's reason), the Markdown
section, the stdout table and drift.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlspec.markdown import code, table, text
from mlspec.monitor.drift_checks import DriftResult, FeatureScore

STDOUT_ROWS = 10
MARKDOWN_ROWS = 25


@dataclass(frozen=True)
class DriftRun:
    """What drift.md and drift.json both tell beside the result: whose drift, the two tables compared (their
    path and row count) and the notes on how the reference was chosen."""

    project: str
    environment: str
    reference: dict[str, Any]
    current: dict[str, Any]
    notes: list[str]


def fmt(number: float | None) -> str:
    return "n/a" if number is None else f"{number:.3g}"


def _feature_phrase(features: list[FeatureScore], threshold: float, limit: int = 3) -> str:
    if len(features) == 1:
        f = features[0]
        return f"feature {code(f.feature, 100)} drifted (score {fmt(f.score)} > {fmt(threshold)})"
    shown = ", ".join(f"{code(f.feature, 100)} ({fmt(f.score)})" for f in features[:limit])
    more = f" and {len(features) - limit} more" if len(features) > limit else ""
    return f"{len(features)} features drifted: {shown}{more} (scores > {fmt(threshold)})"


def summary_line(result: DriftResult) -> str:
    """Why drift was found, e.g. "feature `income` drifted (score 0.31 > 0.2)"; or that none was.
    Feature names are Markdown code spans (mlspec.markdown.code), so the line is safe in Markdown too."""
    parts: list[str] = []
    if result.too_many_features:
        parts.append(_feature_phrase(result.drifted_features, result.thresholds.feature))
    names = {"label": "label", "multivariate": "multivariate (domain classifier)", "prediction": "prediction"}
    for key, check in result.checks.items():
        if check.drifted:
            parts.append(f"{names[key]} drift (score {fmt(check.score)} > {fmt(check.threshold)})")
    if parts:
        return "; ".join(parts)
    drifted = result.drifted_features
    if drifted:
        return (
            f"no drift beyond the thresholds ({len(drifted)} feature(s) above {fmt(result.thresholds.feature)}, "
            f"{result.thresholds.max_drifted_features} allowed)"
        )
    return "no drift beyond the thresholds"


def stdout_table(result: DriftResult) -> str:
    rows = result.features[:STDOUT_ROWS]
    width = max([len("feature")] + [len(f.feature) for f in rows])
    lines = [f"  {'feature':<{width}}  {'score':>7}  {'threshold':>9}  method"]
    for f in rows:
        mark = "  DRIFT" if f.drifted else ""
        lines.append(f"  {f.feature:<{width}}  {fmt(f.score):>7}  {fmt(f.threshold):>9}  {f.method}{mark}")
    if len(result.features) > STDOUT_ROWS:
        lines.append(f"  ... {len(result.features) - STDOUT_ROWS} more features in drift.json")
    for key, check in result.checks.items():
        if check.ran:
            mark = "  DRIFT" if check.drifted else ""
            lines.append(f"  {key} drift: {fmt(check.score)} (threshold {fmt(check.threshold)}){mark}")
        else:
            lines.append(f"  {key} drift: skipped ({check.reason})")
    return "\n".join(lines)


def markdown(result: DriftResult, run: DriftRun, *, plot: str | None) -> str:
    verdict = (
        "**drift found**"
        if result.drifted
        else "**could not decide**: drift checks errored"
        if result.undecided
        else "no drift beyond the thresholds"
    )
    lines = [
        f"## Drift: {text(run.project, 200)} ({text(run.environment, 200)})",
        "",
        f"Verdict: {verdict}. {summary_line(result) if result.drifted else ''}".rstrip(),
        "",
        *[f"> ❗ {text(error, 1000)}\n" for error in result.errors],  # under the verdict: what to act on first
        f"Reference: {code(run.reference['path'])} ({run.reference['rows']:,} rows), current: {code(run.current['path'])} "
        f"({run.current['rows']:,} rows); sampled {result.sampled['reference']:,} / {result.sampled['current']:,} rows.",
        "",
    ]
    drifted = result.drifted_features
    if drifted:
        rows = [
            {
                "rank": rank,
                "feature": f.feature,
                "score": fmt(f.score),
                "threshold": fmt(f.threshold),
                "method": f.method,
            }
            for rank, f in enumerate(drifted[:MARKDOWN_ROWS], start=1)
        ]
        lines += [f"### Drifted features ({len(drifted)}, ranked by score)", "", *table("drift_features", rows=rows)]
        if len(drifted) > MARKDOWN_ROWS:
            lines.append(f"\n{len(drifted) - MARKDOWN_ROWS} more drifted features are listed in drift.json.")
        lines.append("")
    else:
        top = result.features[:5]
        if top:
            lines += [
                "No feature drifted. Highest scores: "
                + ", ".join(f"{code(f.feature, 100)} {fmt(f.score)}" for f in top)
                + f" (threshold {fmt(result.thresholds.feature)}).",
                "",
            ]
    checks = [
        {
            "key": key,
            "score": fmt(check.score),
            "threshold": fmt(check.threshold),
            "ran": check.ran,
            "drifted": check.drifted,
            "reason": check.reason,
        }
        for key, check in result.checks.items()
    ]
    lines += ["### Whole-table checks (label, multivariate, prediction)", "", *table("drift_checks", rows=checks)]
    lines.append("")
    if plot:
        lines += [f"![drift scores per feature]({plot})", ""]
    for note in run.notes:
        lines.append(f"> {text(note, 1000)}")
    return "\n".join(lines).rstrip() + "\n"


def as_json(result: DriftResult, run: DriftRun, *, drift_id: str, model: str | None, created: str) -> dict[str, Any]:
    return {
        "drift_id": drift_id,
        "created": created,
        "project": run.project,
        "environment": run.environment,
        "model": model,
        "verdict": "drift" if result.drifted else "error" if result.undecided else "ok",
        "drifted": result.drifted,
        "summary": summary_line(result),
        "thresholds": result.thresholds.model_dump(),
        "reference": run.reference,
        "current": run.current,
        "sampled": result.sampled,
        "features": [
            {"feature": f.feature, "score": f.score, "method": f.method, "threshold": f.threshold, "drifted": f.drifted}
            for f in result.features
        ],
        "drifted_features": [f.feature for f in result.drifted_features],
        **{
            key: {
                "score": c.score,
                "threshold": c.threshold,
                "drifted": c.drifted,
                "ran": c.ran,
                "method": c.method,
                "reason": c.reason,
            }
            for key, c in result.checks.items()
        },
        "notes": run.notes,
        "errors": result.errors,
    }
