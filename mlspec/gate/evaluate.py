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

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mlspec import metrics_catalog
from mlspec.champion import ChampionLookup
from mlspec.gate.results import NO_GATES, GateReport, GateResult, Verdict, fmt
from mlspec.project import Project
from mlspec.spec.models import Gate
from mlspec.state.deploy import Deployment
from mlspec.state.record import DataRole, RunRecord, TestOutcome

if TYPE_CHECKING:
    from mlspec.gate.predictions import RowPredictions
    from mlspec.project import ProjectLike

TOLERANCE = 1e-9
ALLOWED_FIRST = "no champion yet: first model allowed by allow_missing_champion"


def metric_problem(metrics: dict[str, Any], metric: str, whose: str) -> str | None:
    """Why ``metrics[metric]`` cannot be used, or None when it is a finite number."""
    if metric not in metrics:
        known = ", ".join(sorted(metrics)) or "none"
        return f"metric {metric!r} is missing from {whose} (it has: {known})"
    value = metrics[metric]
    if value is None:
        return f"metric {metric!r} of {whose} is null (it could not be computed)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"metric {metric!r} of {whose} is not a number ({value!r})"
    if math.isnan(value):
        return f"metric {metric!r} of {whose} is NaN"
    if math.isinf(value):
        return f"metric {metric!r} of {whose} is infinite ({fmt(float(value))})"
    return None


def _number(metrics: dict[str, Any], metric: str) -> float | None:
    value = metrics.get(metric)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _absolute_text(gate: Gate) -> str:
    if gate.min is not None and gate.max is not None:
        return f"{gate.min:g} <= {gate.metric} <= {gate.max:g}"
    if gate.min is not None:
        return f"{gate.metric} >= {gate.min:g}"
    return f"{gate.metric} <= {gate.max:g}"


def _bound(value: float, relative: bool) -> str:
    return f"{value:+.2%}" if relative else f"{value:+g}"


def _delta_text(gate: Gate, env: str) -> str:
    subject = f"{gate.metric} {'relative ' if gate.relative else ''}improvement"
    if gate.min_delta is not None and gate.max_delta is not None:
        text = f"{_bound(gate.min_delta, gate.relative)} <= {subject} <= {_bound(gate.max_delta, gate.relative)}"
    elif gate.min_delta is not None:
        text = f"{subject} >= {_bound(gate.min_delta, gate.relative)}"
    else:
        # the Gate model requires min_delta or max_delta on a delta gate, so max_delta is set here
        text = f"{subject} <= {_bound(gate.max_delta, gate.relative)}"  # type: ignore[arg-type]
    text += f" vs {env} champion"
    if gate.bootstrap is not None:
        text += f" (bootstrap {gate.bootstrap.confidence:.0%})"
    return text


def _absolute(index: int, gate: Gate, direction: str, record: RunRecord) -> GateResult:
    text = _absolute_text(gate)
    result = GateResult(
        index=index,
        metric=gate.metric,
        kind="absolute",
        direction=direction,
        threshold=text,
        verdict="fail",
        reason="",
        value=_number(record.metrics, gate.metric),
    )
    problem = metric_problem(record.metrics, gate.metric, f"run {record.run_id}")
    if problem:
        result.reason = problem
        return result
    value = float(record.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem: a finite number
    if gate.min is not None and value < gate.min - TOLERANCE:
        result.reason = f"{fmt(value)} is below the minimum {gate.min:g}"
    elif gate.max is not None and value > gate.max + TOLERANCE:
        result.reason = f"{fmt(value)} is above the maximum {gate.max:g}"
    else:
        result.verdict = "pass"
    return result


def _check_bounds(result: GateResult, gate: Gate, low: float, high: float, what: str) -> None:
    """Pass when [low, high] lies within [min_delta, max_delta]."""
    shown: Callable[[float], str] = (lambda v: f"{v:+.2%}") if gate.relative else (lambda v: fmt(v, signed=True))
    if gate.min_delta is not None and not low >= gate.min_delta - TOLERANCE:
        result.reason = f"{what} {shown(low)} is below min_delta {_bound(gate.min_delta, gate.relative)}"
    elif gate.max_delta is not None and not high <= gate.max_delta + TOLERANCE:
        result.reason = f"{what} {shown(high)} is above max_delta {_bound(gate.max_delta, gate.relative)}"
    else:
        result.verdict = "pass"


class _Context:
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


def _rescore(ctx: _Context, env: str) -> tuple[dict[str, float], str]:
    from mlspec.gate.bootstrap import point_metrics
    from mlspec.gate.predictions import PredictionsUnavailable, champion_predictions

    champion = ctx.champion(env).deployment
    current = _test_file(ctx.record)
    if champion is None:
        return {}, ""
    if not _other_test_data(champion, ctx.record) and _champion_test_digest(champion):
        return {}, f"challenger and {env} champion {champion.model.tag}: both scored on {current}"
    try:
        mine = ctx.challenger_rows()
        theirs = champion_predictions(ctx.loaded, ctx.store, ctx.record, champion, mine, ctx.task)
    except PredictionsUnavailable as exc:
        return {}, (
            f"challenger: {current}; {env} champion {champion.model.tag}: as its deploy file recorded them, "
            f"on {'other' if _other_test_data(champion, ctx.record) else 'unknown'} test data (it could not "
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


def _other_test_data(champion: Deployment, record: RunRecord) -> bool:
    data = champion.lineage.get("data")
    theirs: dict[str, Any] = data if isinstance(data, dict) else {}
    ours = {d.role: d.digest for d in record.data}
    role: DataRole = "test" if "test" in ours else "source"
    return bool(theirs.get(role)) and bool(ours.get(role)) and theirs.get(role) != ours.get(role)


def _delta(index: int, gate: Gate, direction: str, ctx: _Context) -> GateResult:
    env = gate.environment or ctx.env
    record = ctx.record
    result = GateResult(
        index=index,
        metric=gate.metric,
        kind="delta",
        direction=direction,
        threshold=_delta_text(gate, env),
        verdict="fail",
        reason="",
        value=_number(record.metrics, gate.metric),
        relative=gate.relative,
        environment=env,
    )
    if gate.bootstrap is not None:
        result.confidence, result.resamples = gate.bootstrap.confidence, gate.bootstrap.resamples
    problem = metric_problem(record.metrics, gate.metric, f"run {record.run_id}")
    if problem:
        result.reason = problem
        return result
    lookup = ctx.champion(env)
    champion = lookup.deployment
    if champion is None:
        if gate.allow_missing_champion:
            result.verdict, result.reason = "pass", ALLOWED_FIRST
        else:
            result.reason = (
                f"no champion in {env}: {lookup.source} does not exist, and this delta gate needs one "
                "(set allow_missing_champion: true on the gate to let the first model pass)"
            )
        return result
    whose = f"the {env} champion {champion.model.tag}"
    if gate.bootstrap is not None:
        return _bootstrap(result, gate, direction, ctx, champion)
    rescored, _ = ctx.rescored(env)
    if gate.metric in rescored:
        baseline = rescored[gate.metric]
    else:
        problem = metric_problem(champion.metrics, gate.metric, f"{whose} ({lookup.source})")
        if problem:
            result.reason = problem
            return result
        baseline = float(champion.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem: a finite number
    value = float(record.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem above: a finite number
    result.baseline = baseline
    diff = value - baseline if direction == "higher" else baseline - value
    if gate.relative:
        if baseline == 0:
            result.reason = f"{whose} has {gate.metric} = 0: a relative delta is undefined"
            return result
        diff = diff / abs(baseline)
    result.delta = diff
    _check_bounds(result, gate, diff, diff, "the improvement")
    if gate.metric in rescored:
        note = "the champion re-scored on the current test set"
    elif _other_test_data(champion, record):
        note = "the champion was scored on other test data; a bootstrap gate compares both on the same rows"
    else:
        note = ""
    if note:
        result.reason = f"{result.reason}; {note}" if result.reason else note
    return result


def _bootstrap(result: GateResult, gate: Gate, direction: str, ctx: _Context, champion: Deployment) -> GateResult:
    from mlspec.gate.bootstrap import MetricUnsupported, paired_bootstrap
    from mlspec.gate.predictions import ChampionModelMissing, PredictionsUnavailable, champion_predictions

    assert gate.bootstrap is not None
    try:
        mine = ctx.challenger_rows()
        theirs = champion_predictions(ctx.loaded, ctx.store, ctx.record, champion, mine, ctx.task)
        outcome = paired_bootstrap(
            metric=gate.metric,
            task=ctx.task,
            direction=direction,
            relative=gate.relative,
            y_true=mine.y_true,
            challenger=mine.predictions,
            champion=theirs.predictions,
            resamples=gate.bootstrap.resamples,
            confidence=gate.bootstrap.confidence,
            seed=gate.bootstrap.seed,
            positive=ctx.record.positive_class,
        )
    except ChampionModelMissing as exc:
        if gate.allow_missing_champion:
            result.verdict = "pass"
            result.reason = f"{exc.message}; passed because allow_missing_champion is set"
        else:
            result.reason = str(exc).replace("\n  hint: ", "; ")
        return result
    except (PredictionsUnavailable, MetricUnsupported) as exc:
        result.reason = str(exc).replace("\n  hint: ", "; ")
        return result
    result.baseline, result.delta = outcome.champion, outcome.improvement
    if gate.relative and outcome.champion == 0:
        result.reason = f"the champion's {gate.metric} on the test rows is 0: a relative delta is undefined"
        return result
    if not (math.isfinite(outcome.low) and math.isfinite(outcome.high)):
        result.reason = f"the bootstrap interval of {gate.metric} is undefined (every resample was degenerate)"
        return result
    result.interval = (outcome.low, outcome.high)
    level = f"{gate.bootstrap.confidence:.0%}"
    _check_bounds(result, gate, outcome.low, outcome.high, f"the {level} interval's bound")
    if result.passed:
        result.reason = f"the {level} interval clears the threshold ({outcome.resamples} paired resamples)"
    elif gate.min_delta is not None and outcome.low < gate.min_delta:
        result.reason += ": the improvement is not significant"
    notes = []
    if result.value is not None and abs(outcome.challenger - result.value) > 1e-6:
        notes.append(f"recomputed from the predictions, the challenger's {gate.metric} is {fmt(outcome.challenger)}")
    if outcome.dropped:
        notes.append(f"{outcome.dropped} degenerate resamples left out")
    if notes:
        result.reason += "; " + "; ".join(notes)
    return result


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
    """The servability check of the run (`mlspec test serving`) as a gate row: its verdict when it ran; a
    failure when it did not run but `serve.slo` asks for a latency gate (fail closed); else nothing."""
    from mlspec.state.servability import read_result

    slo = project.spec.serve.slo
    threshold = "served = in-process" + (f", p95 <= {slo.p95_ms:g} ms" if slo else "")
    result = read_result(project.runs, record.run_id)

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
    if result.get("model") != (record.model.tag if record.model else None):
        return serving(
            "fail",
            f"the servability result of run {record.run_id} is for model "
            f"{result.get('model')}, not this run's (rerun `mlspec test serving`)",
        )
    return serving(
        "pass" if result["verdict"] == "pass" else "fail",
        f"servability: {result.get('reason', '')}",
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
    ctx = _Context(project, record, env_name)
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
        if gate.min is not None or gate.max is not None:
            report.results.append(_absolute(index, gate, direction, record))
        if gate.needs_champion:
            report.results.append(_delta(index, gate, direction, ctx))
    return report
