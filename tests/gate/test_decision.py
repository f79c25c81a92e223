"""The gate is decided once (issue 16 item 3): `mlspec gate` writes gate.json with a fingerprint of its
inputs; `mlspec report` and `mlspec promote` read it, and decide again only when it is missing, unreadable,
of another run or environment, or an input changed, saying so in one line. Never "passed" by default."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mlspec.gate.decision import decide, load_or_decide
from mlspec.spec import load_spec
from mlspec.state.record import RunStore
from tests.gate.support import commit_champion, make_record, project_with_gates
from tests.helpers import run_cli

GATES = "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: f1, min_delta: -0.01, allow_missing_champion: true}\n"
RUN = "20250102T000000000000Z-00001"
MARK = "read from gate.json, not re-evaluated"


def _project(tmp_path: Path, roc_auc: float = 0.97) -> Path:
    project = project_with_gates(tmp_path, GATES)
    make_record(project, {"roc_auc": roc_auc, "f1": 0.97})
    return project


def _gate_file(project: Path) -> Path:
    return RunStore(project).run_dir(RUN) / "gate.json"


def _mark_reasons(project: Path) -> None:
    """Change what only a reader of gate.json can show: the reasons (not part of the fingerprint)."""
    path = _gate_file(project)
    data = json.loads(path.read_text())
    for result in data["results"]:
        result["reason"] = MARK
    path.write_text(json.dumps(data))


def _raise_threshold(project: Path, minimum: str = "0.99") -> None:
    spec = project / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("{metric: roc_auc, min: 0.95}", f"{{metric: roc_auc, min: {minimum}}}"))


def _decision(project: Path, env: str | None = "staging"):
    loaded = load_spec(project / "mlproject.yaml")
    return load_or_decide(loaded, RunStore(project).latest(), env, say=False)


def test_report_reads_the_decision_of_mlspec_gate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    spec = str(project / "mlproject.yaml")
    assert run_cli("gate", spec, "--env", "staging").returncode == 0
    _mark_reasons(project)
    result = run_cli("report", spec, "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert "re-decided" not in result.stdout + result.stderr
    report = (RunStore(project).run_dir(RUN) / "report.md").read_text()
    assert MARK in report  # the report shows gate.json's decision: it did not evaluate the gate again
    assert "gate passed for `staging`" in report


def test_report_decides_again_when_the_spec_gates_changed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    spec = str(project / "mlproject.yaml")
    assert run_cli("gate", spec, "--env", "staging").returncode == 0
    _mark_reasons(project)
    _raise_threshold(project)
    result = run_cli("report", spec, "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert "gate re-decided: the spec's gates changed since `mlspec gate`" in result.stderr
    report = (RunStore(project).run_dir(RUN) / "report.md").read_text()
    assert MARK not in report
    assert "gate not passed for `staging`" in report and "0.9700 is below the minimum 0.99" in report
    saved = json.loads(_gate_file(project).read_text())  # the new decision replaces the stale one
    assert saved["passed"] is False
    assert "re-decided" not in run_cli("report", spec, "--env", "staging").stderr  # decided once more, then read


def test_promote_reads_the_decision_and_decides_again_when_the_spec_changed(tmp_path: Path) -> None:
    project = _project(tmp_path, roc_auc=0.9)  # fails roc_auc >= 0.95
    spec = str(project / "mlproject.yaml")
    assert run_cli("gate", spec, "--env", "staging").returncode == 1
    _mark_reasons(project)
    refused = run_cli("promote", spec, "--env", "staging", "--dry-run", env={"GITHUB_TOKEN": ""})
    assert refused.returncode == 1
    assert "re-decided" not in refused.stderr and MARK in refused.stdout  # gate.json's table, read not re-evaluated
    assert "the gate for staging did not pass" in refused.stderr

    _raise_threshold(project, "0.85")  # now 0.9 clears it
    promoted = run_cli("promote", spec, "--env", "staging", "--dry-run", env={"GITHUB_TOKEN": ""})
    assert promoted.returncode == 0, promoted.stderr
    assert "gate re-decided: the spec's gates changed since `mlspec gate`" in promoted.stderr
    assert "dry run: nothing was changed" in promoted.stdout


def test_a_missing_gate_file_is_decided_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    loaded = load_spec(project / "mlproject.yaml")
    decision = load_or_decide(loaded, RunStore(project).latest(), "staging")
    assert decision.report.passed
    assert decision.redecided == f"gate re-decided: no gate.json for run {RUN} (`mlspec gate` did not run for it)"
    assert capsys.readouterr().err == decision.redecided + "\n"
    assert _decision(project).redecided is None  # written: the next reader uses it


@pytest.mark.parametrize(
    "damage, said",
    [
        (lambda text: text[: len(text) // 2], "is unreadable (JSONDecodeError"),
        (lambda text: "[1, 2]", "is not a gate decision (not a JSON object)"),
        (
            lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "inputs"}),
            "has no fingerprint of its inputs (written by an older mlspec)",
        ),
        (lambda text: json.dumps({**json.loads(text), "results": "all good"}), "is unreadable (results, notes or"),
    ],
)
def test_a_damaged_gate_file_is_decided_again(tmp_path: Path, damage, said: str) -> None:
    project = _project(tmp_path)
    decide(load_spec(project / "mlproject.yaml"), RunStore(project).latest(), "staging")
    path = _gate_file(project)
    path.write_text(damage(path.read_text()))
    decision = _decision(project)
    assert decision.redecided is not None and said in decision.redecided
    assert decision.report.passed and [r.metric for r in decision.report.results] == ["roc_auc", "f1"]


def test_a_stored_pass_that_its_results_do_not_support_fails_closed(tmp_path: Path) -> None:
    project = _project(tmp_path, roc_auc=0.9)
    decide(load_spec(project / "mlproject.yaml"), RunStore(project).latest(), "staging")
    path = _gate_file(project)
    data = json.loads(path.read_text())
    data["passed"] = True  # a hand-edited verdict: the results still say roc_auc failed
    path.write_text(json.dumps(data))
    decision = _decision(project)
    assert decision.redecided is not None and "does not follow from its results" in decision.redecided
    assert not decision.report.passed


def test_a_decision_of_another_environment_or_run_is_not_used(tmp_path: Path) -> None:
    project = _project(tmp_path)
    decide(load_spec(project / "mlproject.yaml"), RunStore(project).latest(), "staging")
    other_env = _decision(project, "production")
    assert other_env.redecided == (f"gate re-decided: {_shown(project)} is for environment 'staging', not 'production'")
    assert other_env.report.environment == "production"

    make_record(project, {"roc_auc": 0.97, "f1": 0.97}, run_id="20250103T000000000000Z-00002")
    (RunStore(project).run_dir("20250103T000000000000Z-00002") / "gate.json").write_text(
        _gate_file(project).read_text()
    )
    other_run = _decision(project, "production")
    assert other_run.redecided is not None
    assert "is for run id '20250102T000000000000Z-00001', not '20250103T000000000000Z-00002'" in other_run.redecided


def _shown(project: Path) -> str:
    from mlspec.fsio import display_path

    return display_path(_gate_file(project))


def test_changed_inputs_are_named(tmp_path: Path) -> None:
    project = _project(tmp_path)
    decide(load_spec(project / "mlproject.yaml"), RunStore(project).latest(), "staging")
    make_record(project, {"roc_auc": 0.94, "f1": 0.97})  # the same run, its metrics rewritten
    changed = _decision(project)
    assert changed.redecided == (
        "gate re-decided: the run record (metrics, tests, model or stages) changed since `mlspec gate`"
    )
    assert not changed.report.passed

    commit_champion(project, "staging", {"roc_auc": 0.9, "f1": 0.99})  # a promotion merged since
    champion = _decision(project)
    assert champion.redecided == "gate re-decided: the champion's deploy file changed since `mlspec gate`"
    assert champion.report.champion is not None and champion.report.champion.model.tag == "breast-cancer:champion"
    assert [r.verdict for r in champion.report.results] == ["fail", "fail"]  # f1 0.97 vs champion 0.99
    current = _decision(project)
    assert current.redecided is None and current.report.champion is not None  # the champion comes with a read decision
    assert current.report.champion_metrics()["f1"] == 0.99


def _stored_report():
    from mlspec.champion import ChampionLookup
    from mlspec.gate.results import GateReport, GateResult

    champion = ChampionLookup(None, "origin/main:deploy/staging.yaml")
    delta = GateResult(
        index=1,
        metric="f1",
        kind="delta",
        direction="higher",
        threshold="f1 improvement >= -0.0100 vs staging champion",
        verdict="fail",
        reason="the champion scored NaN",
        value=0.97,
        baseline=float("nan"),
        delta=float("-inf"),
        interval=(float("-inf"), float("inf")),
        relative=True,
        environment="staging",
        confidence=0.95,
        resamples=1000,
    )
    absolute = GateResult(0, "roc_auc", "absolute", "higher", "roc_auc >= 0.95", "pass", "", value=0.97)
    report = GateReport(
        project="breast-cancer",
        run_id=RUN,
        environment="staging",
        model_tag="breast-cancer:v1",
        champion=None,
        champion_source=champion.source,
        results=[absolute, delta],
        notes=["a note"],
        champion_rescored={"f1": float("nan"), "roc_auc": 0.5},
        test_data="data/test.csv",
    )
    return report, champion


def _same(a, b) -> bool:
    """Equal, NaN included (gate.json keeps NaN as the string "NaN")."""
    return json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)


def test_gate_json_keeps_every_number_a_decision_needs_nan_and_infinities_included() -> None:
    from mlspec.gate.decision import read_report

    report, champion = _stored_report()
    stored = json.loads(json.dumps(report.to_dict()))  # what gate.json holds: JSON has no NaN or inf
    delta = stored["results"][1]
    assert (delta["baseline"], delta["delta"], delta["interval"]) == ("NaN", "-inf", ["-inf", "+inf"])
    assert stored["champion_rescored"] == {"f1": "NaN", "roc_auc": 0.5} and stored["passed"] is False
    read = read_report(stored, champion)
    assert _same(read, report)
    assert math.isnan(read.results[1].baseline) and read.results[1].interval == (-math.inf, math.inf)
    assert read.results[1].delta == -math.inf and read.results[0].value == 0.97
    assert (read.model_tag, read.notes, read.test_data) == ("breast-cancer:v1", ["a note"], "data/test.csv")
    assert math.isnan(read.champion_rescored["f1"]) and read.champion_rescored["roc_auc"] == 0.5
    assert not read.passed and read.failed == [read.results[1]]
    absolute_only = json.loads(json.dumps(report.to_dict()))
    del absolute_only["results"][1]
    absolute_only["passed"] = True
    assert read_report(absolute_only, champion).passed


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d["results"][1].update(baseline="high"), "results[1].baseline is 'high', not a number"),
        (lambda d: d["results"][1].update(delta=True), "results[1].delta is True, not a number"),
        (lambda d: d["results"][1].update(confidence=[0.9]), "results[1].confidence is [0.9], not a number"),
        (lambda d: d["results"][1].update(interval=[0.1]), "results[1].interval is not a pair of numbers"),
        (lambda d: d["results"][1].update(interval="wide"), "results[1].interval is not a pair of numbers"),
        (lambda d: d["results"][1].update(interval=[0.1, "x"]), "results[1].interval is 'x', not a number"),
        (lambda d: d["results"][1].update(interval=["y", 0.1]), "results[1].interval is 'y', not a number"),
        (lambda d: d["results"][0].update(verdict=None), "results[0] has no verdict, kind or reason"),
        (lambda d: d["results"][0].update(reason=1), "results[0] has no verdict, kind or reason"),
        (lambda d: d["results"][0].update(kind=["absolute"]), "results[0] has no verdict, kind or reason"),
        (lambda d: d["results"][0].pop("metric"), "results[0]: "),
        (lambda d: d["results"].append("pass"), "results[2] is not an object"),
        (lambda d: d.update(notes="none"), "results, notes or champion_rescored is missing"),
        (lambda d: d.update(champion_rescored=[]), "results, notes or champion_rescored is missing"),
        (lambda d: d["champion_rescored"].update(f1=None), "champion_rescored.f1 is null"),
        (lambda d: d["champion_rescored"].update(f1="0.5"), "champion_rescored.f1 is '0.5', not a number"),
        (lambda d: d.update(passed=None), "its verdict passed=None does not follow from its results"),
        (lambda d: d.update(champion_source="deploy/staging.yaml"), "its champion source differs from the current one"),
    ],
)
def test_a_gate_json_that_does_not_hold_a_decision_is_unreadable(change, said: str) -> None:
    from mlspec.gate.decision import Unreadable, read_report

    report, champion = _stored_report()
    stored = json.loads(json.dumps(report.to_dict()))
    change(stored)
    with pytest.raises(Unreadable) as caught:
        read_report(stored, champion)
    assert str(caught.value).startswith(said)
    with pytest.raises(Unreadable, match="it is not a JSON object"):
        read_report([stored], champion)


def test_unknown_keys_of_a_stored_result_are_ignored_and_missing_optional_ones_default() -> None:
    from mlspec.gate.decision import read_report

    report, champion = _stored_report()
    stored = json.loads(json.dumps(report.to_dict()))
    stored["results"][0]["written_by"] = "a newer mlspec"
    for key in ("value", "interval", "confidence"):
        stored["results"][0].pop(key)
    read = read_report(stored, champion)
    assert read.results[0].value is None and read.results[0].interval is None and read.results[0].passed
    stored["model"] = 3  # not a tag
    del stored["test_data"]
    read = read_report(stored, champion)
    assert read.model_tag is None and read.test_data == ""


def test_the_champion_of_a_stored_decision_is_the_current_lookups() -> None:
    from mlspec.champion import ChampionLookup
    from mlspec.gate.decision import read_report
    from mlspec.state.deploy import DeployedModel, Deployment

    report, lookup = _stored_report()
    deployment = Deployment(
        project="breast-cancer", environment="staging", model=DeployedModel(tag="breast-cancer:c", version="c")
    )
    read = read_report(json.loads(json.dumps(report.to_dict())), ChampionLookup(deployment, lookup.source))
    assert read.champion == deployment and read.champion_source == lookup.source
