"""Which stages run, which are reused and why: one pure planner for `mlspec run`, the stage commands and
`mlspec status`, so what status says is what run does.

Everything that reads files (whether a recorded result's outputs are intact, which earlier run holds a
reusable result) is gathered first into one `Prior` per stage; `plan_stages` only decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mlspec.pipeline.cache import STAGES, TITLES, UPSTREAM, Inputs, stale_reasons
from mlspec.state.record import StageName, StageResult

Action = Literal["run", "reuse", "skip"]
# force: --force; upstream: an upstream stage runs first; never: no result with inputs; failed: it failed last
# time; outputs: same inputs, but its outputs are missing or changed; changed: one input change (detail: the line).
# upstream_changed: an upstream stage's inputs differ from those of the result this stage used.
# unchanged: it failed last time and none of its inputs changed since (said after "failed").
# invalidated: an upstream stage reran after it in the same run (detail: the stale result's message).
ReasonKind = Literal[
    "force", "upstream", "upstream_changed", "never", "failed", "outputs", "changed", "unchanged", "invalidated"
]


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    detail: str = ""  # upstream: the stage; failed: the first line of its message; changed: the change

    def run_text(self) -> str:
        """The wording of the run record (`reasons` of a stage that ran)."""
        return {
            "force": "--force",
            "upstream": f"{TITLES.get(self.detail, self.detail)} reran",
            "never": "never ran",
            "failed": "failed last time",
            "outputs": "its outputs (model, predictions, reports) are missing or changed",
            "changed": self.detail,
            "upstream_changed": f"{TITLES.get(self.detail, self.detail)} inputs changed (the model will be retrained)",
            "unchanged": "none of its inputs changed since it failed",
            "invalidated": self.detail,
        }[self.kind]

    def status_text(self, run_id: str | None) -> str | None:
        """The wording of `mlspec status` against run ``run_id`` (None: nothing to say)."""
        if self.kind == "never":
            return f"not run in run {run_id}" if run_id else None
        if self.kind == "failed":
            return f"failed in run {run_id}: {self.detail}"
        if self.kind == "outputs":
            return f"its outputs in run {run_id} are missing or changed"
        if self.kind in ("upstream", "upstream_changed"):
            return f"{TITLES.get(self.detail, self.detail)} is stale"
        return self.run_text()


@dataclass(frozen=True)
class Prior:
    """What the records say about one stage, gathered before planning."""

    before: StageResult | None = None  # the stage as last recorded (the record continued, else the latest run)
    here: bool = False  # the record being continued holds a reusable result with intact outputs
    intact: bool = True  # ``before``'s outputs exist with the digests recorded when it ran
    cached_from: str | None = None  # an earlier run holding a reusable result with intact outputs


@dataclass(frozen=True)
class Step:
    stage: StageName
    action: Action  # run; reuse (source None: the continued record's own result); skip: not needed
    reasons: tuple[Reason, ...] = ()
    source: str | None = None


def reusable(result: StageResult | None, digest: str) -> bool:
    """A recorded result stands for these inputs: same digest, and it passed, was cached or was disabled."""
    return (
        result is not None
        and result.inputs_digest == digest
        and (result.status in ("passed", "cached") or (result.status == "skipped" and bool(result.inputs_digest)))
    )


def own_reasons(stage: StageName, inputs: Inputs, prior: Prior, sections: Mapping[str, object]) -> list[Reason]:
    """Why the stage's own recorded result cannot stand (upstream stages aside)."""
    before = prior.before
    if before is not None and before.status == "stale":  # an upstream rerun made it meaningless (runner.py)
        return [Reason("invalidated", before.message.splitlines()[0] if before.message else "")]
    if before is not None and before.status == "failed":
        failed = Reason("failed", before.message.splitlines()[0] if before.message else "")
        if not before.inputs:  # an internal error recorded no inputs: nothing to compare
            return [failed]
        return [failed, *(_input_changes(stage, inputs, before.inputs, sections) or [Reason("unchanged")])]
    if before is None or not before.inputs or (before.status == "skipped" and not before.inputs_digest):
        return [Reason("never")]
    if reusable(before, inputs.digests[stage]):
        return [] if prior.intact else [Reason("outputs")]
    return _input_changes(stage, inputs, before.inputs, sections)


def _input_changes(
    stage: StageName, inputs: Inputs, old: Mapping[str, str], sections: Mapping[str, object]
) -> list[Reason]:
    """Which of the stage's inputs differ from ``old`` (a recorded result's): the changed keys and files, then
    the upstream stages whose inputs changed; [] when none did."""
    now = inputs.components[stage]
    ups = [Reason("upstream_changed", up) for up in UPSTREAM[stage] if now.get(f"stage:{up}") != old.get(f"stage:{up}")]
    if all(now.get(key) == old.get(key) for key in set(now) | set(old) if not key.startswith("stage:")):
        return ups
    lines = stale_reasons(stage, inputs, dict(old), dict(sections), upstream=False)
    return [Reason("changed", line) for line in lines] + ups


def plan_stages(
    inputs: Inputs,
    priors: Mapping[StageName, Prior],
    *,
    targets: Iterable[StageName] = (),
    whole: bool = True,
    force: bool = False,
    sections: Mapping[str, object] | None = None,
    stages: Sequence[StageName] = STAGES,
) -> list[Step]:
    """One Step per stage of ``stages`` (`mlspec run`'s by default; status adds the on-demand stages the latest
    run ran), in order. ``whole``: every stage (`mlspec run`, `mlspec status`); else ``targets``
    and the upstream stages they need whose result in the continued record cannot be reused (`mlspec train`).
    ``force`` reruns the stages asked for. A stage runs when forced, when an upstream stage runs or when no
    recorded result stands for its inputs; its reasons are its own, then the upstream stages that run."""
    wanted_targets = list(targets)
    wanted = (
        set(stages)
        if whole
        else set(wanted_targets) | {up for target in wanted_targets for up in UPSTREAM[target] if not priors[up].here}
    )
    steps: list[Step] = []
    running: set[str] = set()
    for stage in stages:
        if stage not in wanted:
            steps.append(Step(stage, "skip"))
            continue
        prior = priors[stage]
        if force and (whole or stage in wanted_targets):
            steps.append(Step(stage, "run", (Reason("force"),)))
            running.add(stage)
            continue
        upstream = tuple(Reason("upstream", up) for up in UPSTREAM[stage] if up in running)
        if not upstream and prior.here:
            steps.append(Step(stage, "reuse"))
            continue
        if not upstream and prior.cached_from is not None:
            steps.append(Step(stage, "reuse", source=prior.cached_from))
            continue
        running_up = {reason.detail for reason in upstream}
        own = [
            r
            for r in own_reasons(stage, inputs, prior, sections or {})
            if not (r.kind == "upstream_changed" and r.detail in running_up)
        ]
        steps.append(Step(stage, "run", tuple(own) + upstream))
        running.add(stage)
    return steps
