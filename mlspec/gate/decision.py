"""The gate is decided once per run and environment: `mlspec gate` writes the decision to
`.mlspec/runs/<id>/gate.json` with a fingerprint of everything `evaluate_gates` reads; `mlspec report`
and `mlspec promote` read it and decide again only when the file is missing, unreadable, of another
project, run or environment, or when an input changed since, and then say so in one line.

Fail closed: nothing in a gate.json is trusted unless its fingerprint matches the current inputs, and
the verdict is recomputed from the stored results (a stored `passed` that disagrees makes it unreadable).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec import __version__
from mlspec.champion import ChampionLookup
from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_json, display_path
from mlspec.gate.results import GateReport, GateResult
from mlspec.project import Project
from mlspec.state.gate_verdict import GATE_FILE as GATE_FILE
from mlspec.state.record import RunRecord, RunStore

if TYPE_CHECKING:
    from mlspec.project import ProjectLike

INPUTS_KEY = "inputs"

# What each input is called in the "re-decided" line, in the order the line lists them.
INPUT_NAMES = {
    "mlspec": "the mlspec version",
    "record": "the run record (metrics, tests, model or stages)",
    "gates": "the spec's gates",
    "spec": "the spec's data, evaluate or train section",
    "champions": "the champion's deploy file",
    "servability": "the servability result",
}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def champion_environments(project: ProjectLike, env: str) -> list[str]:
    """The environments whose champion the gate reads: ``env`` and those delta gates name."""
    from mlspec.gate.all_kinds import needs_champion

    named = [g.environment for g in Project.of(project).spec.gates if needs_champion(g) and g.environment]
    return sorted({env, *named})


def gate_inputs(project: ProjectLike, record: RunRecord, env: str) -> dict[str, str]:
    """A digest of each input of `evaluate_gates(project, record, env)`, by name (see INPUT_NAMES)."""
    return _inputs(Project.of(project), record, env)[0]


def _inputs(project: Project, record: RunRecord, env: str) -> tuple[dict[str, str], ChampionLookup | None]:
    """gate_inputs, and the champion of ``env`` as read for them (None when its deploy file is refused)."""
    from mlspec.state.servability import read_result

    spec = project.spec
    branch = spec.triggers.branches[0]
    champions: dict[str, Any] = {}
    lookups: dict[str, ChampionLookup] = {}
    for name in champion_environments(project, env):
        try:
            lookup = lookups[name] = project.champion(name)
        except MlspecError as exc:  # a foreign or broken deploy file: evaluating fails the same way
            champions[name] = {"error": exc.message}
            continue
        champions[name] = {
            "source": lookup.source,
            "deployment": lookup.deployment.model_dump(mode="json") if lookup.deployment else None,
        }
    used = ("run_id", "project", "task", "metrics", "tests", "model", "stages", "data", "predictions")
    return {
        "mlspec": __version__,
        "record": _digest(record.model_dump(mode="json", include=set(used))),
        "gates": _digest(
            {
                "project": spec.name,
                "environment": env,
                "environments": [e.name for e in spec.environments],
                "branch": branch,
                "gates": [g.model_dump(mode="json") for g in spec.gates],
                "slo": spec.serve.slo.model_dump(mode="json") if spec.serve.slo else None,
            }
        ),
        "spec": _digest(
            {
                "data": spec.data.model_dump(mode="json"),
                "evaluate": spec.evaluate.model_dump(mode="json"),
                "train": spec.train.model_dump(mode="json"),
            }
        ),
        "champions": _digest(champions),
        "servability": _digest(read_result(project.runs, record.run_id)),
    }, lookups.get(env)


def gate_path(store: RunStore, run_id: str) -> Path:
    return store.run_dir(run_id) / GATE_FILE


def save_decision(store: RunStore, report: GateReport, inputs: dict[str, str]) -> Path:
    """gate.json: the report as `mlspec gate --format json` prints it, plus the inputs' fingerprint."""
    return atomic_write_json(gate_path(store, report.run_id), {**report.to_dict(), INPUTS_KEY: inputs})


def decide(project: ProjectLike, record: RunRecord, env: str | None = None) -> tuple[GateReport, Path]:
    """Evaluate the gate and write the decision (what `mlspec gate` does)."""
    from mlspec.gate.evaluate import evaluate_gates

    project = Project.of(project)
    env_name = project.environment_name(env)
    inputs = gate_inputs(project, record, env_name)
    report = evaluate_gates(project, record, env_name)
    return report, save_decision(project.runs, report, inputs)


class Unreadable(ValueError):
    """gate.json does not hold a gate decision this mlspec can read."""


def _number(value: Any, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        special = {"NaN": math.nan, "+inf": math.inf, "-inf": -math.inf}
        if value in special:
            return special[value]
        raise Unreadable(f"{key} is {value!r}, not a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unreadable(f"{key} is {value!r}, not a number")
    return float(value)


def _rescored(value: Any, metric: str) -> float:
    number = _number(value, f"champion_rescored.{metric}")
    if number is None:
        raise Unreadable(f"champion_rescored.{metric} is null")
    return number


_NUMBERS = ("value", "baseline", "delta", "confidence")


def _result(data: Any, where: str) -> GateResult:
    if not isinstance(data, dict):
        raise Unreadable(f"{where} is not an object")
    known = {f.name for f in fields(GateResult)}
    values: dict[str, Any] = {}
    for key in known:
        if key not in data:
            continue
        value = data[key]
        if key in _NUMBERS:
            value = _number(value, f"{where}.{key}")
        elif key == "interval" and value is not None:
            if not isinstance(value, list) or len(value) != 2:
                raise Unreadable(f"{where}.interval is not a pair of numbers")
            value = (_number(value[0], f"{where}.interval"), _number(value[1], f"{where}.interval"))
        values[key] = value
    try:
        result = GateResult(**values)
    except TypeError as exc:
        raise Unreadable(f"{where}: {exc}") from None
    if not isinstance(result.verdict, str) or not isinstance(result.reason, str) or not isinstance(result.kind, str):
        raise Unreadable(f"{where} has no verdict, kind or reason")
    return result


def read_report(data: Any, champion: ChampionLookup) -> GateReport:
    """The GateReport a gate.json holds; ``champion`` is the current lookup (the fingerprint says it is
    the one the decision read). Raises Unreadable."""
    if not isinstance(data, dict):
        raise Unreadable("it is not a JSON object")
    results, notes, rescored = data.get("results"), data.get("notes"), data.get("champion_rescored")
    if not isinstance(results, list) or not isinstance(notes, list) or not isinstance(rescored, dict):
        raise Unreadable("results, notes or champion_rescored is missing")
    report = GateReport(
        project=str(data.get("project")),
        run_id=str(data.get("run_id")),
        environment=str(data.get("environment")),
        model_tag=data.get("model") if isinstance(data.get("model"), str) else None,
        champion=champion.deployment,
        champion_source=champion.source,
        results=[_result(r, f"results[{i}]") for i, r in enumerate(results)],
        notes=[str(n) for n in notes],
        champion_rescored={str(k): _rescored(v, str(k)) for k, v in rescored.items()},
        test_data=str(data.get("test_data") or ""),
    )
    if data.get("passed") is not report.passed:
        raise Unreadable(f"its verdict passed={data.get('passed')!r} does not follow from its results")
    if data.get("champion_source") != champion.source:
        raise Unreadable("its champion source differs from the current one")
    return report


@dataclass(frozen=True)
class Decision:
    report: GateReport
    redecided: str | None  # the "gate re-decided: ..." line, None when gate.json was current


def _stale(project: Project, record: RunRecord, env: str, data: Any, inputs: dict[str, str], path: Path) -> str | None:
    """Why the stored decision cannot be used, or None when it is current."""
    where = display_path(path)
    if not isinstance(data, dict):
        return f"{where} is not a gate decision (not a JSON object)"
    for key, mine in (("project", project.spec.name), ("run_id", record.run_id), ("environment", env)):
        if data.get(key) != mine:
            return f"{where} is for {key.replace('_', ' ')} {data.get(key)!r}, not {mine!r}"
    stored = data.get(INPUTS_KEY)
    if not isinstance(stored, dict):
        return f"{where} has no fingerprint of its inputs (written by an older mlspec)"
    changed = [INPUT_NAMES[key] for key in INPUT_NAMES if stored.get(key) != inputs.get(key)]
    if changed:
        return ", ".join(changed) + " changed since `mlspec gate`"
    return None


def load_or_decide(project: ProjectLike, record: RunRecord, env: str | None = None, *, say: bool = True) -> Decision:
    """The gate decision of ``record`` for ``env``: read from gate.json when it is current, else decided
    again (and written), with one line on stderr saying why."""
    from mlspec.gate.evaluate import evaluate_gates

    project = Project.of(project)
    env_name = project.environment_name(env)
    store = project.runs
    path = gate_path(store, record.run_id)
    inputs, lookup = _inputs(project, record, env_name)
    why: str | None
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        why = f"no {GATE_FILE} for run {record.run_id} (`mlspec gate` did not run for it)"
    except (OSError, ValueError) as exc:
        why = (
            f"{display_path(path)} is unreadable ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        )
    else:
        why = _stale(project, record, env_name, data, inputs, path)
        if why is None and lookup is not None:
            try:
                return Decision(read_report(data, lookup), None)
            except Unreadable as exc:
                why = f"{display_path(path)} is unreadable ({exc})"
        why = why or f"the {env_name} champion's deploy file cannot be read"  # evaluating says why, as an error
    report = evaluate_gates(project, record, env_name)
    save_decision(store, report, inputs)
    line = f"gate re-decided: {why}"
    if say:
        print(line, file=sys.stderr)
    return Decision(report, line)
