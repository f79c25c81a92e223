"""`make mutation` (scripts/mutation.py): the configuration names real modules and tests, and the score is
killed / (mutants - equivalent ones that survived), an equivalent entry counting only while mutmut's diff
still adds the line it names. No mutmut run here: a results file in mutmut's format stands in for one."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import tomllib
import yaml

from tests.helpers import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_script", ROOT / "scripts" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_module_and_paired_test_exists_and_equivalents_name_configured_modules() -> None:
    config = tomllib.loads((ROOT / "mutation" / "modules.toml").read_text())
    assert config["threshold"] == 90
    for module, spec in config["modules"].items():
        assert (ROOT / module).is_file(), module
        for test in spec["tests"]:
            assert (ROOT / test.split("::")[0]).is_file(), (module, test)
    equivalents = tomllib.loads((ROOT / "mutation" / "equivalent.toml").read_text())["equivalent"]
    for entry in equivalents:
        assert entry["module"] in config["modules"], entry
        assert entry["mutant"].startswith(entry["module"].removesuffix(".py").replace("/", ".") + "."), entry
        assert entry["line"].strip() and entry["reason"].strip(), entry


def test_the_decision_core_of_issue_29_is_configured_with_fast_paired_tests() -> None:
    """gate/, paths.py, the promotion ownership and deploy-file code, spec/semantic.py, the drift verdict and the
    metric formulas each have a module entry; no entry runs the slow tests (a mutant reruns them)."""
    modules = tomllib.loads((ROOT / "mutation" / "modules.toml").read_text())["modules"]
    assert {
        "mlspec/hosts/github/paths.py",
        "mlspec/ownership.py",
        "mlspec/promote/branch_owner.py",
        "mlspec/state/deploy.py",
        "mlspec/spec/semantic.py",
        "mlspec/monitor/drift_checks.py",
        "mlspec/pipeline/metrics.py",
        "mlspec/gate/bootstrap.py",
        "mlspec/gate/evaluate.py",
        "mlspec/gate/decision.py",
        "mlspec/gate/results.py",
    } <= set(modules)
    script = _script()
    for module, spec in modules.items():
        assert "not slow" in script.mutmut_config(module, spec), module


def test_the_weekly_job_runs_make_mutation() -> None:
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    steps = jobs["mutation"]["steps"]
    assert any(step.get("run", "").startswith("make mutation") for step in steps)
    assert "schedule" in jobs["mutation"]["if"]
    assert "\nmutation: $(STAMP)\n" in (ROOT / "Makefile").read_text()


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """mutmut's results for a module `pkg/mod.py` in a work folder under tmp_path, and diffs per mutant."""
    script = _script()
    monkeypatch.setattr(script, "WORK", tmp_path)
    work = tmp_path / "pkg.mod" / "mutants" / "pkg"
    work.mkdir(parents=True)
    codes = {
        "pkg.mod.x_f__mutmut_1": 1,  # killed
        "pkg.mod.x_f__mutmut_2": 0,  # survived, listed as equivalent, diff still matches
        "pkg.mod.x_f__mutmut_3": 0,  # survived, listed, but its diff changed
        "pkg.mod.x_f__mutmut_4": 36,  # timeout: a mutant that loops is caught
        "pkg.mod.x_f__mutmut_5": 33,  # no test reached it: a survivor
        "pkg.mod.x_g__mutmut_1": 0,  # out of the module's scope
        "pkg.mod.x_f__mutmut_6": 1,  # killed, but listed as equivalent: a stale entry
    }
    (work / "mod.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    diffs = {
        "pkg.mod.x_f__mutmut_2": "+++ pkg/mod.py\n-    a = 1\n+    a = 1.0\n",
        "pkg.mod.x_f__mutmut_3": "+    b = 2\n",
    }
    monkeypatch.setattr(script, "diff", lambda work, name: diffs.get(name, ""))
    return script


def test_the_score_leaves_out_listed_equivalent_mutants_while_their_diff_matches(results: ModuleType) -> None:
    listed = [
        {"module": "pkg/mod.py", "mutant": f"pkg.mod.x_f__mutmut_{i}", "line": "a = 1.0", "reason": "int == float"}
        for i in (2, 3, 6)
    ] + [{"module": "pkg/mod.py", "mutant": "pkg.mod.x_f__mutmut_99", "line": "c", "reason": "gone"}]
    score = results.score("pkg/mod.py", {"mutants": ["x_f*"]}, listed)
    assert (score.total, score.killed, score.equivalent) == (6, 3, ["pkg.mod.x_f__mutmut_2"])
    assert score.survivors == {"pkg.mod.x_f__mutmut_3": "survived", "pkg.mod.x_f__mutmut_5": "no tests"}
    assert score.percent == pytest.approx(60.0)
    assert [line.split()[0] for line in score.stale] == [
        "pkg.mod.x_f__mutmut_3:",
        "pkg.mod.x_f__mutmut_6",
        "pkg.mod.x_f__mutmut_99",
    ]
    assert results.report([score], 90.0, show_diffs=False) is False
    summary = json.loads((results.WORK / "summary.json").read_text())
    assert summary["modules"]["pkg/mod.py"]["score"] == 60.0 and summary["score"] == 60.0
    assert results.report([score], 60.0, show_diffs=False) is True


def test_a_mutant_that_was_not_run_fails_the_run(results: ModuleType, tmp_path: Path) -> None:
    meta = tmp_path / "pkg.mod" / "mutants" / "pkg" / "mod.py.meta"
    meta.write_text(json.dumps({"exit_code_by_key": {"pkg.mod.x_f__mutmut_1": 1, "pkg.mod.x_f__mutmut_2": None}}))
    score = results.score("pkg/mod.py", {}, [])
    assert score.not_run == ["pkg.mod.x_f__mutmut_2"] and score.percent == 50.0
    assert results.report([score], 10.0, show_diffs=False) is False
