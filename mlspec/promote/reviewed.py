"""Reviewed = shipped, proven (issue 25 item 4): before CT's promotion pull request opens, its model's test-set
predictions are compared with those of the run the merged pull request's report showed.

How the reviewed run is found (through the code host, mlspec/hosts/): the commit CT trained from (the merge
commit of a `push` to the branch) -> the pull request that merged it -> that pull request's newest CI run of the
project's CI workflow for its head commit -> that run's reports artifact (`record.json`, `predictions.csv`). When
the artifact holds no predictions but the record says its evaluation was reused from the model store, they are
taken from the store (verified against their sha256). Pull-request CI never writes to the store, so the record
itself is only in the artifact (kept 14 days).

What the promotion pull request says, and what blocks it (documented in docs/store.md):
- same predictions: "✅ Same predictions as the run reviewed in #N";
- different predictions: how they differ (rows differing, a few examples, the largest difference); this fails
  the promotion unless the spec says `train: {reproducible: false}`;
- a pull request merged the commit but its run or predictions cannot be had (expired artifact, no CI run): the
  model cannot be shown to be the reviewed one, which fails closed the same way;
- no pull request merged the commit (a direct push), or CT did not start from a push (schedule, by hand, drift),
  or there is no token (a local promotion): no run was reviewed, the pull request says so plainly and does not
  claim a review; this does not block (the promotion pull request is then the first review).

The reviewed files come from a pull request's CI (untrusted): they are parsed as CSV/JSON and compared, never loaded
as a model or executed, and what reaches the pull request body is escaped (mlspec.markdown)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import StageFailed
from mlspec.hosts.reviewed_run import PREDICTIONS, RECORD, NoReviewedRun, ReviewedRun
from mlspec.markdown import code, text
from mlspec.promote.same_predictions import ABS_TOL, REL_TOL, Comparison, compare_predictions
from mlspec.state.record import RunRecord, RunStore

if TYPE_CHECKING:
    from mlspec.hosts.base import HostSettings
    from mlspec.promote.target import PromotionPlan
    from mlspec.spec import LoadedSpec

HEADING = "### Reviewed = shipped"
OPT_OUT = "`train: {reproducible: false}`"


@dataclass
class Verdict:
    """The section for the pull request body, whether it blocks the promotion, and what the deploy file records."""

    lines: list[str]
    blocks: bool = False
    reason: str = ""  # why it blocks (for the error)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def markdown(self) -> str:
        return "\n".join([HEADING, "", *self.lines])


def check_reviewed(
    loaded: LoadedSpec, record: RunRecord, settings: HostSettings, environ: Mapping[str, str]
) -> Verdict:
    """Find the run the merged pull request's report showed and compare its predictions with ``record``'s."""
    strict = loaded.spec.train.reproducible
    event = settings.event_name or "local"
    commit = record.git.commit or ""
    if not settings.has_token:
        return _unreviewed(
            "this promotion was made outside CI (no GitHub token), so no pull request was looked up", event
        )
    if event != "push":
        return _unreviewed(f"this CT run was started by {code(event)}, not by a merge", event)
    from mlspec.hosts.all_hosts import current

    found = current(environ).reviewed_run(environ, commit, loaded.spec.name)
    if isinstance(found, NoReviewedRun) and found.pull is None:
        return _unreviewed(found.reason, event)
    if isinstance(found, NoReviewedRun):
        return _unprovable(f"#{found.pull}", found.reason, strict, {"pull": found.pull})
    return _compare(loaded, record, found, strict)


def _unreviewed(reason: str, event: str) -> Verdict:
    return Verdict(
        [
            f"ℹ️ **No reviewed run**: {reason}. This model was not shown in a pull request's report; "
            "review it here: merging this pull request is the deployment."
        ],
        summary={"found": False, "event": event},
    )


def _unprovable(where: str, reason: str, strict: bool, summary: dict[str, Any]) -> Verdict:
    said = f"cannot show that this model makes the predictions of the run reviewed in {where}: {reason}"
    lines = [f"{'❌' if strict else '⚠️'} **Not proven**: {said}."]
    if not strict:
        lines.append(f"The spec says {OPT_OUT}, so this does not block the promotion.")
    return Verdict(lines, blocks=strict, reason=said, summary={**summary, "found": False, "same": None})


def _compare(loaded: LoadedSpec, record: RunRecord, found: ReviewedRun, strict: bool) -> Verdict:
    where = f"#{found.pull}"
    reviewed = _record_json(found)
    reviewed_id = _reviewed_run_id(reviewed)
    summary: dict[str, Any] = {"pull": found.pull, "ci_run": found.run_id, "head_sha": found.head_sha}
    if reviewed_id:
        summary["run_id"] = reviewed_id
    theirs, source = found.files.get(PREDICTIONS), "the CI run's reports"
    if theirs is None:
        theirs, source = _from_store(loaded, reviewed), "the model store"
    if theirs is None:
        return _unprovable(where, f"its CI run {found.run_id} kept no predictions", strict, summary)
    ours_path = RunStore(loaded.root).run_dir(record.run_id) / (record.predictions or PREDICTIONS)
    if not ours_path.is_file():
        return _unprovable(where, f"this run ({record.run_id}) has no {ours_path.name}", strict, summary)
    try:
        result = compare_predictions(ours_path.read_bytes(), theirs, record.task or loaded.spec.evaluate.task)
    except ValueError as exc:  # its text may quote the reviewed file (untrusted): escaped
        return _unprovable(where, text(str(exc), 300), strict, summary)
    run = f"run {code(reviewed_id)} of CI run {found.run_id}" if reviewed_id else f"CI run {found.run_id}"
    summary.update(same=result.same, rows=result.rows, differing=result.differing)
    how = how_made(record)
    if result.same:
        return Verdict(
            [
                f"✅ **Same predictions as the run reviewed in {where}**: all {result.rows} test rows of this run "
                f"predict what {run} predicted (its predictions from {source}; labels exactly, numbers within "
                f"{REL_TOL:g} relative / {ABS_TOL:g} absolute). {how}"
            ],
            summary=summary,
        )
    lines = [f"{'❌' if strict else '⚠️'} **Predictions differ from the run reviewed in {where}** ({run}). {how}", ""]
    lines += describe(result)
    if strict:
        lines += [
            "",
            "The model to deploy is not the one reviewers saw, so this promotion is refused. Make training "
            f"deterministic (seed every source of randomness), or, for a model that cannot be, set {OPT_OUT}.",
        ]
    else:
        lines += ["", f"The spec says {OPT_OUT}, so the difference does not block the promotion."]
    return Verdict(
        lines,
        blocks=strict,
        reason=f"its test-set predictions differ from those of the run reviewed in {where} "
        f"({result.differing} of {result.rows} rows{'; ' + '; '.join(result.problems) if result.problems else ''})",
        summary=summary,
    )


def how_made(record: RunRecord) -> str:
    """Whether CT retrained the model or reused the store's result for the same inputs."""
    from mlspec.store.cache import reused_from_store

    reused = dict(reused_from_store(record))
    if "train" in reused:
        return f"This run's model was {text(reused['train'], 300)} in the model store (same inputs), not retrained."
    return "This run trained the model again."


def describe(result: Comparison) -> list[str]:
    """How two runs' predictions differ, for the pull request body (values from data are escaped)."""
    lines = [f"- {result.differing} of {result.rows} rows predict differently"]
    lines += [f"- {problem}" for problem in result.problems]
    if result.max_abs is not None:
        lines.append(f"- largest absolute difference of a number: {result.max_abs:.6g}")
    if result.examples:
        lines += ["", "| row | column | this run | reviewed run |", "|---|---|---|---|"]
        lines += [
            f"| {code(d.row, 80, table=True)} | {code(d.column, 80, table=True)} | {code(d.ours, 80, table=True)} "
            f"| {code(d.reviewed, 80, table=True)} |"
            for d in result.examples
        ]
    return lines


def _record_json(found: ReviewedRun) -> dict[str, Any]:
    try:
        value = json.loads(found.files.get(RECORD) or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _reviewed_run_id(reviewed: dict[str, Any]) -> str:
    run_id = reviewed.get("run_id")
    return run_id if isinstance(run_id, str) else ""


def _from_store(loaded: LoadedSpec, reviewed: dict[str, Any]) -> bytes | None:
    """The reviewed run's predictions from the model store, when its record says its evaluation was reused from
    there (by the inputs digest its record names; the blob is verified against its sha256)."""
    from mlspec.store.errors import IntegrityError, StoreError
    from mlspec.store.location import open_store
    from mlspec.store.stages import lookup

    stages = reviewed.get("stages")
    stages = stages if isinstance(stages, list) else []
    evaluate = next((s for s in stages if isinstance(s, dict) and s.get("name") == "evaluate"), None)
    digest = evaluate.get("inputs_digest") if isinstance(evaluate, dict) else None
    if not isinstance(digest, str) or not digest:
        return None
    try:
        store = open_store(loaded.spec, loaded.root)
        index = lookup(store, loaded.spec.name, "evaluate", digest) if store is not None else None
        if store is None or index is None or PREDICTIONS not in index.files:
            return None
        with tempfile.TemporaryDirectory() as scratch:
            return store.get_blob(index.files[PREDICTIONS], Path(scratch) / PREDICTIONS).read_bytes()
    except IntegrityError:
        raise  # a store object that does not match its digest is refused, never read as "no predictions"
    except StoreError:
        return None


def enforce(verdict: Verdict, env: str) -> None:
    """Refuse the promotion when the verdict blocks it (before any branch or pull request is written)."""
    if verdict.blocks:
        raise StageFailed(
            f"the gate for {env} did not pass: reviewed = shipped: {verdict.reason}; nothing was promoted",
            hint="make training deterministic and merge again, or set `train: {reproducible: false}` in the spec "
            "for a model that cannot be (docs/store.md)",
        )


def apply_reviewed(
    plan: PromotionPlan, loaded: LoadedSpec, record: RunRecord, settings: HostSettings, environ: Mapping[str, str]
) -> None:
    """The call site of promotion: the verdict's section leads the pull request's report, the deploy file records
    which reviewed run it matched, and a blocking verdict refuses the promotion before anything is written."""
    verdict = check_reviewed(loaded, record, settings, environ)
    enforce(verdict, plan.env)
    plan.report = verdict.markdown + "\n\n" + plan.report
    if verdict.summary.get("pull") is not None:
        plan.deployment.promoted["reviewed"] = verdict.summary
