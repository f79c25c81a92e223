"""Evaluate the spec's gates against a run record.

Decisions (documented in docs and tested):
- Fail closed: a missing, null, NaN or infinite metric fails; a delta gate without a champion fails
  unless `allow_missing_champion`; a champion without that metric fails; a run whose evaluate stage
  did not pass fails (a "record" row in the table); relative deltas against a champion value of 0 fail.
- No gates at all: the gate passes and says "no gates declared" (nothing guards promotion then).
- Delta = improvement in the metric's good direction; relative deltas divide by |champion|.
- Plain delta gates compare with the metrics recorded in the champion's deploy file; bootstrap gates
  compare both models on the current test rows (the champion re-scored), so their baseline can differ.
- Comparisons allow 1e-9 of float rounding (0.97 - 0.98 must clear min_delta -0.01).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlspec import metrics_catalog
from mlspec.champion import ChampionLookup
from mlspec.gate.all_kinds import kinds_of
from mlspec.gate.delta import other_test_data
from mlspec.gate.results import NO_GATES, GateReport, GateResult, Verdict
from mlspec.project import Project
from mlspec.state.deploy import Deployment
from mlspec.state.record import RunRecord, TestOutcome

if TYPE_CHECKING:
    from mlspec.gate.predictions import RowPredictions
    from mlspec.project import ProjectLike


class _GateContext:
    def __init__(self, project: Project, record: RunRecord, env: str) -> None:
        self.project = project
        self.loaded = project.loaded
        self.record = record
        self.env = env
        self.store = project.runs
        self._challenger: RowPredictions | None = None
        self._rescored: dict[str, tuple[dict[str, float], str]] = {}

    def rescored(self, env: str) -> tuple[dict[str, float], str]:
        """The env champion's metrics re-scored on the current test set (empty when not needed or not
        possible) and a sentence saying which test data its numbers come from."""
        if env not in self._rescored:
            self._rescored[env] = _rescore(self, env)
        return self._rescored[env]

    def champion(self, env: str) -> ChampionLookup:
        return self.project.champion(env)

    def challenger_rows(self) -> RowPredictions:
        from mlspec.gate.predictions import challenger_predictions

        if self._challenger is None:
            self._challenger = challenger_predictions(self.store, self.record, self.task)
        return self._challenger

    @property
    def task(self) -> str:
        return self.record.task or self.loaded.spec.evaluate.task


def _test_file(record: RunRecord) -> str:
    files = {d.role: d for d in record.data}
    item = files.get("test") or files.get("source")
    if item is None:
        return "the current test set"
    digest = item.digest.split(":", 1)[-1][:12]
    return f"the current test set ({item.path}{', split' if item.role == 'source' else ''}, {digest})"


def _rescore(ctx: _GateContext, env: str) -> tuple[dict[str, float], str]:
    from mlspec.gate.bootstrap import point_metrics
    from mlspec.gate.predictions import PredictionsUnavailable, champion_predictions

    champion = ctx.champion(env).deployment
    current = _test_file(ctx.record)
    if champion is None:
        return {}, ""
    if not other_test_data(champion, ctx.record) and _champion_test_digest(champion):
        return {}, f"challenger and {env} champion {champion.model.tag}: both scored on {current}"
    try:
        mine = ctx.challenger_rows()
        theirs = champion_predictions(ctx.loaded, ctx.store, ctx.record, champion, mine, ctx.task)
    except PredictionsUnavailable as exc:
        return {}, (
            f"challenger: {current}; {env} champion {champion.model.tag}: as its deploy file recorded them, "
            f"on {'other' if other_test_data(champion, ctx.record) else 'unknown'} test data (it could not "
            f"be re-scored: {exc.message})"
        )
    values = point_metrics(
        task=ctx.task,
        y_true=mine.y_true,
        preds=theirs.predictions,
        names=list(ctx.record.metrics),
        positive=ctx.record.positive_class,
    )
    return values, f"challenger and {env} champion {champion.model.tag}: both scored on {current} (champion re-scored)"


def _champion_test_digest(champion: Deployment) -> str | None:
    data = champion.lineage.get("data")
    if not isinstance(data, dict):
        return None
    value = data.get("test") or data.get("source")
    return value if isinstance(value, str) else None


def _record_checks(record: RunRecord) -> list[GateResult]:
    stage = record.stage("evaluate")
    if stage is None or stage.status in ("passed", "cached"):
        return []
    why = f": {stage.message}" if stage.message else ""
    return [
        GateResult(
            index=-1,
            metric="-",
            kind="record",
            direction="-",
            threshold="evaluate stage passed",
            verdict="fail",
            reason=f"the evaluate stage of run {record.run_id} is {stage.status}{why}; its metrics "
            "cannot be trusted (rerun `mlspec evaluate`)",
        )
    ]


TEST_STAGES = {"data": "data_tests", "model": "model_tests"}
OVERRIDE_HINT = (
    "promotion needs passing tests: fix the data or model and rerun, or promote anyway with "
    "`mlspec promote --allow-failed-tests` (the deploy file and the pull request record it)"
)


def _failed_checks(outcome: TestOutcome) -> list[str]:
    """The checks that fail the tests: failed conditions, errors under `errored: fail`, configured checks not run."""
    return [c.name + (f" ({c.dataset})" if c.dataset else "") for c in outcome.checks if outcome.fails(c)]


def _tests_problem(kind: str, record: RunRecord) -> str | None:
    """Why the run's data or model tests do not let it through, or None (passed, disabled or not recorded)."""
    outcome, stage = record.tests.get(kind), record.stage(TEST_STAGES[kind])
    if outcome is not None and not outcome.passed:
        failed = _failed_checks(outcome)
        names = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        return (
            f"the {kind} tests of run {record.run_id} failed: {len(failed)} of {len(outcome.checks)} "
            f"check{'' if len(outcome.checks) == 1 else 's'} "
            f"failed (fail_on: {outcome.fail_on})" + (f": {names}" if names else "")
        )
    if stage is not None and stage.status == "failed":
        return f"the {kind} tests of run {record.run_id} failed: {stage.message or 'no details recorded'}"
    if (
        stage is not None
        and stage.status == "skipped"
        and not stage.inputs_digest
        and stage.message.startswith("not run")
    ):
        return f"the {kind} tests of run {record.run_id} did not run ({stage.message})"
    return None


def _test_checks(record: RunRecord) -> list[GateResult]:
    """One failing row per kind of test (data, model) that failed or did not run."""
    results = []
    for kind in TEST_STAGES:
        problem = _tests_problem(kind, record)
        if problem:
            results.append(
                GateResult(
                    index=-1,
                    metric="-",
                    kind="tests",
                    direction="-",
                    threshold=f"{kind} tests passed",
                    verdict="fail",
                    reason=f"{problem}; {OVERRIDE_HINT}",
                )
            )
    return results


def _serving_checks(project: Project, record: RunRecord) -> list[GateResult]:
    """The servability check of the run (`mlspec test serving`, the record's `serving` stage) as a gate row: its
    verdict when it ran; a failure when it did not run but `serve.slo` asks for a latency gate (fail closed), when its
    result is stale (the model was retrained after it) or is another model's; else nothing. A result reused from an
    earlier check says so. Records written before the check was a stage have its file only: read as before."""
    from mlspec.state.servability import read_result

    slo = project.spec.serve.slo
    threshold = "served = in-process" + (f", p95 <= {slo.p95_ms:g} ms" if slo else "")
    result = read_result(project.runs, record.run_id)
    stage = record.stage("serving")

    def serving(verdict: Verdict, reason: str, value: float | None = None) -> list[GateResult]:
        return [
            GateResult(
                index=-1,
                metric="p95_ms",
                kind="serving",
                direction="lower",
                threshold=threshold,
                verdict=verdict,
                reason=reason,
                value=value,
            )
        ]

    if result is None:
        if slo is None:
            return []
        return serving(
            "fail",
            f"run {record.run_id} has no servability result, so the latency "
            "objective serve.slo cannot be checked (run `mlspec test serving`)",
        )
    measured = result.get("latency_ms")
    latency: dict[str, Any] = measured if isinstance(measured, dict) else {}
    p95 = latency.get("p95")
    if stage is not None and stage.status == "stale":
        return serving("fail", f"the servability result of run {record.run_id} is stale: {stage.message}")
    if result.get("model") != (record.model.tag if record.model else None):
        return serving(
            "fail",
            f"the servability result of run {record.run_id} is for model "
            f"{result.get('model')}, not this run's (rerun `mlspec test serving`)",
        )
    # the file and the stage agree, or the check failed: a stage result that did not pass is never a pass
    passed = result["verdict"] == "pass" and (stage is None or stage.status in ("passed", "cached"))
    reused = f" (reused from run {stage.cached_from}'s check)" if stage is not None and stage.cached_from else ""
    reason = result.get("reason", "") if passed or result["verdict"] != "pass" or stage is None else stage.message
    return serving(
        "pass" if passed else "fail",
        f"servability{reused}: {reason}",
        float(p95) if isinstance(p95, (int, float)) else None,
    )


# binary metrics whose value depends on which class is positive (evaluate.positive_class)
POSITIVE_METRICS = ("precision", "recall", "f1", "roc_auc", "average_precision")


def positive_class_note(record: RunRecord, metrics: list[str]) -> str:
    """'positive class: "churned" (evaluate.positive_class): f1, roc_auc are scored for it', for the gated metrics
    that depend on it; "" when none does or the run recorded no positive class."""
    import json

    if record.positive_class is None:
        return ""
    depends = [m for m in dict.fromkeys(metrics) if m in POSITIVE_METRICS]
    if not depends:
        return ""
    return (
        f"positive class: {json.dumps(record.positive_class)} (evaluate.positive_class): "
        f"{', '.join(depends)} {'is' if len(depends) == 1 else 'are'} scored for it"
    )


def evaluate_gates(project: ProjectLike, record: RunRecord, env: str | None = None) -> GateReport:
    """Every gate of the project's spec for ``record``; ``env`` None = the first environment."""
    project = Project.of(project)
    spec = project.spec
    env_name = project.environment_name(env)
    project.check_owned(record)
    ctx = _GateContext(project, record, env_name)
    lookup = ctx.champion(env_name)
    report = GateReport(
        project=spec.name,
        run_id=record.run_id,
        environment=env_name,
        model_tag=record.model.tag if record.model else None,
        champion=lookup.deployment,
        champion_source=lookup.source,
    )
    report.champion_rescored, report.test_data = ctx.rescored(env_name)
    if report.test_data:
        report.notes.append(f"test data: {report.test_data}")
    positive = positive_class_note(record, [g.metric for g in spec.gates])
    if positive:
        report.notes.append(positive)
    report.results.extend(_record_checks(record))
    report.results.extend(_test_checks(record))
    report.results.extend(_serving_checks(project, record))
    if not spec.gates:
        report.notes.append(NO_GATES)
    for index, gate in enumerate(spec.gates):
        try:
            direction = metrics_catalog.direction(gate.metric)
        except KeyError:
            report.results.append(
                GateResult(
                    index=index,
                    metric=gate.metric,
                    kind="absolute",
                    direction="?",
                    threshold=gate.metric,
                    verdict="fail",
                    reason=f"gates[{index}].metric: {gate.metric!r} is not a known metric, so its "
                    "direction (higher or lower is better) is unknown",
                )
            )
            continue
        for kind in kinds_of(gate):
            report.results.append(kind.evaluate(index, gate, direction, ctx))
    return report
