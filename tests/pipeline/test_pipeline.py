"""End-to-end pipeline tests with real deepchecks, scikit-learn and BentoML on small synthetic data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from mlspec.state.record import RunStore
from tests.helpers import run_mlspec
from tests.pipeline.conftest import SPEC, clone_project, make_frame

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("pipeline"),
]  # trains and runs deepchecks for real: `make test-fast` skips it


def latest(root: Path):
    return RunStore(root).latest()


def failing_names(summary: dict) -> set[str]:
    failing = set()
    for check in summary["checks"]:
        if any(c["category"] in ("FAIL", "ERROR") for c in check["conditions"]):
            failing.add(check["name"])
    return failing


def test_clean_project_passes_every_stage(clean_run) -> None:
    root, result = clean_run
    assert result.returncode == 0, result.stdout + result.stderr
    for i, stage in enumerate(["data tests", "train", "evaluate", "model tests"], 1):
        assert f"[{i}/4] {stage} ... passed in " in result.stderr
    assert "\x1b[" not in result.stderr  # no escape codes when not a terminal
    record = latest(root)
    assert record.status == "passed"
    assert [(s.name, s.status) for s in record.stages] == [
        ("data_tests", "passed"),
        ("train", "passed"),
        ("evaluate", "passed"),
        ("model_tests", "passed"),
    ]
    assert record.tests["data"].passed and record.tests["model"].passed
    run_dir = RunStore(root).run_dir(record.run_id)
    for name in ("data_tests.json", "model_tests.json", "train.log"):
        assert (run_dir / name).stat().st_size > 0, name
    for kind in ("data", "model"):  # deepchecks' report, kept: over 1 MB gzipped, never replaced by a note page
        page = record.tests[kind].html
        assert page in (f"{kind}_tests.html", f"{kind}_tests.html.gz"), page
        assert (run_dir / page).stat().st_size > 0 and not (run_dir / page).read_bytes().startswith(
            b"<!doctype html><meta"
        )
    assert "training on 1500 rows" in (run_dir / "train.log").read_text()
    summary = json.loads((run_dir / "data_tests.json").read_text())
    not_run = {c["name"]: c["reason"] for c in summary["checks"] if not c["ran"]}
    assert "datetime" in not_run["DateTrainTestLeakageOverlap"]
    assert {c["suite"] for c in summary["checks"]} == {"data_integrity", "train_test_validation"}


def test_record_contents_match_independent_computation(clean_run) -> None:
    from mlspec.state.model_store import load_model, model_metadata

    root, _ = clean_run
    record = latest(root)
    head = os.popen(f"git -C {root} rev-parse HEAD").read().strip()
    assert record.git.commit == head and record.git.branch == "main" and record.git.dirty is False
    assert record.params == {"n_estimators": 20, "max_depth": 4, "seed": 7}
    assert {d.role: d.rows for d in record.data} == {"train": 1500, "test": 1000}
    assert all(d.digest.startswith("xxh3_128:") for d in record.data)
    assert record.changes[0].kind == "first-run"
    assert record.versions["scikit-learn"] and record.versions["deepchecks"]
    assert record.trigger == {"event": "local"}

    test = pd.read_csv(root / "data" / "test.csv")
    predictions = pd.read_csv(RunStore(root).run_dir(record.run_id) / record.predictions)
    assert len(predictions) == len(test) == 1000
    assert list(predictions.columns) == ["row", "y_true", "y_pred", "proba_0", "proba_1"]
    assert (predictions["y_true"].to_numpy() == test["outcome"].to_numpy()).all()

    model = load_model(record.model.tag)
    X = test.drop(columns=["outcome"])
    proba = model.predict_proba(X)[:, 1]
    assert record.metrics["roc_auc"] == pytest.approx(roc_auc_score(test["outcome"], proba))
    assert record.metrics["accuracy"] == pytest.approx(accuracy_score(test["outcome"], model.predict(X)))
    assert record.metrics["f1"] == pytest.approx(f1_score(test["outcome"], model.predict(X)))
    assert 0.7 < record.metrics["roc_auc"] <= 1 and 0 < record.metrics["log_loss"] < 1
    assert set(record.metrics) >= {"balanced_accuracy", "precision", "recall", "average_precision"}

    meta = model_metadata(record.model.tag)
    assert meta["features"] == ["f1", "f2", "f3", "f4", "f5"] and meta["label"] == "outcome"
    assert meta["dtypes"] == {f: "float" for f in meta["features"]}
    assert meta["classes"] == [0, 1] and meta["task"] == "binary" and meta["run_id"] == record.run_id
    assert meta["data"] == {d.role: d.digest for d in record.data} and meta["git_commit"] == head


def _timed_validate(root: Path) -> float:
    start = time.perf_counter()
    assert run_mlspec("validate", cwd=root).returncode == 0
    return time.perf_counter() - start


def test_unchanged_second_run_skips_every_stage_fast(clean_run) -> None:
    root, _ = clean_run
    before = latest(root).run_id
    start = time.perf_counter()
    result = run_mlspec("run", cwd=root)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"up to date: every stage's inputs match run {before}")
    assert latest(root).run_id == before
    # Against `mlspec validate` of the same spec, timed in the same run (a loaded machine slows both): the whole
    # up-to-date run costs about one validate (measured 1.2x), the command's own work less than one.
    baseline = min(_timed_validate(root) for _ in range(2))
    assert elapsed < 3 * baseline, (elapsed, baseline)
    reported = float(result.stdout.rsplit("(", 1)[1].rstrip("s)\n"))
    assert reported < baseline, (reported, baseline)
    status = run_mlspec("status", cwd=root)
    assert status.stdout.count("up to date") == 4, status.stdout
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlspec", "run"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in imports.splitlines() if "|" in line}
    assert not imported & {"deepchecks", "bentoml", "pandas", "sklearn", "numpy"}, imported


def test_content_not_mtime_and_selective_reruns(clean_run, tmp_path: Path) -> None:
    root = clone_project(clean_run[0], tmp_path / "p")
    data = root / "data" / "train.csv"
    os.utime(data, (time.time() + 5, time.time() + 5))  # touched, same content
    assert run_mlspec("run", cwd=root).stdout.startswith("up to date")

    spec = (root / "mlproject.yaml").read_text()
    (root / "mlproject.yaml").write_text(spec.replace("metrics: [roc_auc, accuracy, f1]", "metrics: [roc_auc, f1]"))
    status = run_mlspec("status", cwd=root).stdout
    assert '  evaluate     stale\n      evaluate.metrics: ["roc_auc", "accuracy", "f1"] -> ["roc_auc", "f1"]' in status
    assert "  train        up to date" in status
    result = run_mlspec("run", cwd=root)
    assert result.returncode == 0, result.stderr
    statuses = {s.name: s.status for s in latest(root).stages}
    assert statuses == {"data_tests": "cached", "train": "cached", "evaluate": "passed", "model_tests": "cached"}
    assert "[3/4] evaluate ... passed in" in result.stderr
    changes = [(c.kind, c.what) for c in latest(root).changes]
    assert ("config", "evaluate.metrics") in changes


def test_data_change_makes_dependent_stages_stale_and_is_explained(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    old_tag = latest(root).model.tag
    grown = pd.concat([make_frame(1500, 1), make_frame(100, 9)], ignore_index=True)
    grown.to_csv(root / "data" / "train.csv", index=False)
    status = run_mlspec("status", cwd=root).stdout
    for stage in ("train", "evaluate"):
        assert f"  {stage:<11}  stale\n      data file data/train.csv changed" in status, status
    assert "  model tests  never run" in status
    result = run_mlspec("train", cwd=root)
    assert result.returncode == 0, result.stderr
    record = latest(root)
    assert record.model.tag != old_tag
    assert [(s.name, s.status) for s in record.stages] == [("train", "passed")]  # a new record: data changed
    change = next(c for c in record.changes if c.kind == "data")
    assert (change.what, change.detail) == ("data/train.csv", "+100 rows (1,500 -> 1,600)")


def test_param_change_status_names_the_key(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    spec = (root / "mlproject.yaml").read_text().replace("n_estimators: 20", "n_estimators: 30")
    (root / "mlproject.yaml").write_text(spec)
    (root / "src" / "train.py").write_text((root / "src" / "train.py").read_text() + "\n# tweak\n")
    status = run_mlspec("status", cwd=root).stdout
    assert (
        "  train        stale\n      code file src/train.py changed\n      train.params.n_estimators: 20 -> 30\n"
        in status
    )
    assert "  evaluate     stale\n      train is stale\n" in status
    assert "  data tests   never run" in status


def test_corrupted_data_fails_the_named_checks(tmp_path: Path, clean_run) -> None:
    root = clone_project(clean_run[0], tmp_path / "p")
    train, test = make_frame(1500, 1), make_frame(1000, 2)
    train = pd.concat([train, train.iloc[:60]], ignore_index=True)  # duplicates
    train.loc[::7, "f4"] = np.nan  # nulls
    train["leak"], test["leak"] = train["outcome"], test["outcome"]  # the label leaked into a feature
    test["f5"] = test["f5"] + 3.0  # a shifted feature
    train.to_csv(root / "data" / "train.csv", index=False)
    test.to_csv(root / "data" / "test.csv", index=False)
    spec = SPEC.replace(
        "    n_samples: 2000\n",
        """    n_samples: 2000
    fail_on: warn
    checks:
      - name: DataDuplicates
        conditions: [{name: ratio_less_or_equal, params: {max_ratio: 0.01}}]
      - name: PercentOfNulls
        conditions: [{name: percent_of_nulls_not_greater_than, params: {threshold: 0.05}}]
""",
    )
    (root / "mlproject.yaml").write_text(spec)
    result = run_mlspec("test", "data", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1].startswith("error: data tests failed (")
    summary = json.loads((RunStore(root).run_dir(latest(root).run_id) / "data_tests.json").read_text())
    assert failing_names(summary) == {
        "PercentOfNulls",
        "FeatureLabelCorrelation",
        "FeatureLabelCorrelationChange",
        "FeatureDrift",
        "MultivariateDrift",
    }
    dup = [c for c in summary["checks"] if c["name"] == "DataDuplicates"]
    assert [(c["suite"], c["dataset"]) for c in dup] == [("configured", "train"), ("configured", "test")]
    assert [c["conditions"][0]["category"] for c in dup] == ["WARN", "PASS"]  # deepchecks only warns on duplicates
    # the failing condition is printed as recorded (deepchecks words its name and details: not asserted here)
    warned = dup[0]["conditions"][0]
    assert warned["name"] and warned["details"]
    assert (
        f"  - DataDuplicates (train): WARN {warned['name']} - {' '.join(warned['details'].split())}\n" in result.stderr
    )
    assert summary["fail_on"] == "warn"
    assert latest(root).tests["data"].passed is False and latest(root).status == "failed"


def test_weak_model_fails_a_model_test_condition(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    (root / "src" / "train.py").write_text(
        "from sklearn.dummy import DummyClassifier\n\n\n"
        "def train(X, y, params):\n    return DummyClassifier(strategy='prior').fit(X, y)\n"
    )
    result = run_mlspec("test", "model", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "[1/2] train ... passed" in result.stderr and "[2/2] model tests ... FAILED" in result.stderr
    outcome = latest(root).tests["model"]
    perf = next(c for c in outcome.checks if c.name == "SingleDatasetPerformance")
    assert perf.suite == "configured" and perf.conditions[0].category == "FAIL"
    assert (
        "  - SingleDatasetPerformance (test): FAIL Selected metrics scores are greater than 0.7 - Failed for metrics: ['roc_auc']"
        in result.stderr
    )


def test_entrypoint_raising_keeps_the_previous_model(trained, tmp_path: Path) -> None:
    from mlspec.state.model_store import load_model

    root = clone_project(trained, tmp_path / "p")
    before = latest(root).model.tag
    (root / "src" / "train.py").write_text(
        "def train(X, y, params):\n    print('starting')\n    raise ValueError('max_depth must be positive')\n"
    )
    result = run_mlspec("train", cwd=root)
    assert result.returncode == 1
    run_id = latest(root).run_id
    assert result.stderr.splitlines()[1:] == [
        "error: train.entrypoint src/train.py:train raised ValueError: max_depth must be positive",
        f"  the previous model is unchanged; full log: .mlspec/runs/{run_id}/train.log",
        "  last lines:",
        "    starting",
        "    Traceback (most recent call last):",
        *result.stderr.splitlines()[6:-1],
        "    ValueError: max_depth must be positive",
    ]
    record = latest(root)
    assert record.stage("train").status == "failed" and record.model.tag == before
    assert hasattr(load_model(before), "predict_proba")

    (root / "src" / "train.py").write_text("def train(X, y, params):\n    X.shape\n")
    result = run_mlspec("train", cwd=root)
    assert result.stderr.splitlines()[1:] == [
        "error: train.entrypoint src/train.py:train returned None; it must return the fitted model",
        "  hint: end the function with `return model`",
    ]


def test_missing_label_column(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    (root / "mlproject.yaml").write_text(SPEC.replace("label: outcome", "label: outcomes"))
    result = run_mlspec("train", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        "error: data.label: column 'outcomes' is not in data/train.csv (data.train); did you mean 'outcome'?",
        "  available columns: f1, f2, f3, f4, f5, outcome",
    ]


def test_shell_command_training(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    (root / "train_cmd.py").write_text(
        "import json, os, pickle\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
        "df = pd.read_csv(os.environ['MLSPEC_TRAIN'])\nparams = json.load(open(os.environ['MLSPEC_PARAMS']))\n"
        "assert params['seed'] == int(os.environ['MLSPEC_SEED']) == 7\n"
        "m = LogisticRegression().fit(df.drop(columns=['outcome']), df['outcome'])\n"
        "pickle.dump(m, open(os.environ['MLSPEC_MODEL_OUT'], 'wb'))\nprint('wrote model')\n"
    )
    import sys

    spec = SPEC.replace("  entrypoint: src/train.py:train\n", f"  command: {sys.executable} train_cmd.py\n")
    (root / "mlproject.yaml").write_text(spec)
    result = run_mlspec("evaluate", cwd=root)
    assert result.returncode == 0, result.stderr
    record = latest(root)
    assert record.stage("train").status == "passed" and record.metrics["roc_auc"] > 0.7
    assert "wrote model" in (RunStore(root).run_dir(record.run_id) / "train.log").read_text()

    (root / "train_cmd.py").write_text("import sys\nprint('boom')\nsys.exit(3)\n")
    result = run_mlspec("train", "--force", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        "error: train.command exited with code 3; the previous model is unchanged",
        "  last lines:",
        "    boom",
    ]


def test_changes_relative_to_the_champion_and_ci_trigger(clean_run, tmp_path: Path) -> None:
    from mlspec.state.deploy import DeployedModel, Deployment, write_deployment

    root = clone_project(clean_run[0], tmp_path / "p")
    champion = latest(root)
    write_deployment(
        root,
        Deployment(
            project="synth",
            environment="staging",
            model=DeployedModel(tag=champion.model.tag, version=champion.model.tag.split(":")[1]),
            lineage={
                "run_id": champion.run_id,
                "commit": champion.git.commit,
                "data": {d.role: d.digest for d in champion.data},
                "spec_digest": champion.spec_digest,
            },
        ),
    )
    pd.concat([make_frame(1500, 1), make_frame(1204, 4)], ignore_index=True).to_csv(
        root / "data" / "train.csv", index=False
    )
    (root / "mlproject.yaml").write_text(SPEC.replace("max_depth: 4", "max_depth: 5"))
    env = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "abc123",
    }
    result = run_mlspec("train", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    record = latest(root)
    assert record.champion_baseline == {
        "kind": "champion",
        "environment": "staging",
        "model": champion.model.tag,
        "run_id": champion.run_id,
    }
    # the champion's run is also the previous run here: the two lists say the same, each under its own label
    assert record.changes_baseline == {"kind": "previous-run", "run_id": champion.run_id}
    assert record.changes == record.champion_changes
    found = [(c.kind, c.what, c.detail) for c in record.champion_changes]
    assert ("data", "data/train.csv", "+1,204 rows (1,500 -> 2,704)") in found
    assert ("config", "train.params.max_depth", "4 -> 5") in found
    assert not any(kind == "data" and what == "data/test.csv" for kind, what, _ in found)
    assert record.trigger == {"event": "push", "actor": "octocat", "ref": "refs/heads/main", "sha": "abc123"}
    assert record.git.commit is None  # the clone is not a git repository: null, not an error


def test_a_drift_dispatch_is_recorded_as_the_reason_and_reported(clean_run, tmp_path: Path) -> None:
    """CT started by `mlspec drift --dispatch` (a repository_dispatch) says why, from the event's payload."""
    root = clone_project(clean_run[0], tmp_path / "p")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "mlspec-drift-synth",
                "client_payload": {
                    "project": "synth",
                    "environment": "production",
                    "summary": "feature `x1` drifted (score 0.31 > 0.2)\n<img src=x onerror=alert(1)>",
                    "run_url": "https://github.com/o/r/actions/runs/7",
                },
            }
        )
    )
    env = {"GITHUB_EVENT_NAME": "repository_dispatch", "GITHUB_EVENT_PATH": str(event), "GITHUB_SHA": "abc123"}
    result = run_mlspec("run", "--force", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    record = latest(root)
    summary = "feature `x1` drifted (score 0.31 > 0.2) <img src=x onerror=alert(1)>"
    assert (record.changes[0].kind, record.changes[0].what, record.changes[0].detail) == (
        "drift",
        "production",
        summary,
    )
    assert record.trigger["drift_run"] == "https://github.com/o/r/actions/runs/7"
    report = run_mlspec("report", "--output", str(tmp_path / "report.md"), cwd=root, env=env)
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "report.md").read_text()
    # the payload is data: escaped by the one Markdown escaper (no live HTML, no code span breakout)
    assert (
        "- retrained because the drift monitor found drift in `production`: feature \\`x1\\` drifted "
        "(score 0.31 > 0.2) \\<img src=x onerror=alert(1)>"
    ) in text

    other = tmp_path / "other.json"  # a dispatch of another kind is no drift
    other.write_text(json.dumps({"action": "deploy", "client_payload": {"summary": "not drift"}}))
    result = run_mlspec("run", "--force", cwd=root, env={**env, "GITHUB_EVENT_PATH": str(other)})
    assert result.returncode == 0, result.stderr
    assert not any(c.kind == "drift" for c in latest(root).changes)


def test_interrupted_run_leaves_latest_and_earlier_runs_intact(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    before = latest(root)
    (root / "src" / "train.py").write_text(
        # training runs in a child process: kill mlspec itself (its parent) mid-stage
        "import os, signal, time\n\n\ndef train(X, y, params):\n    os.kill(os.getppid(), signal.SIGKILL)\n"
        "    time.sleep(1)\n"
    )
    result = run_mlspec("train", "--force", cwd=root)
    assert result.returncode == -9
    assert RunStore(root).latest_id() == before.run_id
    assert latest(root).model_dump() == before.model_dump()
    assert not list((root / ".mlspec").rglob("*.tmp"))


def test_training_code_ending_the_process_fails_the_stage(trained, tmp_path: Path) -> None:
    """sys.exit(0) in the training code is no success: the stage fails, the run says so, gate refuses."""
    root = clone_project(trained, tmp_path / "p")
    before = latest(root)
    (root / "src" / "train.py").write_text("import sys\n\n\ndef train(X, y, params):\n    sys.exit(0)\n")
    result = run_mlspec("run", "--force", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "[2/4] train ... FAILED in " in result.stderr
    assert (
        "  train.entrypoint src/train.py:train exited with code 0 without returning a model; the stage failed "
        "and the previous model is unchanged\n"
    ) in result.stdout
    record = latest(root)
    assert record.run_id != before.run_id and record.status == "failed"
    assert record.stage("train").status == "failed" and record.model is None
    assert run_mlspec("gate", cwd=root).returncode != 0


def test_deleted_or_changed_outputs_make_the_stage_rerun(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    store = RunStore(root)
    first = latest(root)
    (store.run_dir(first.run_id) / "model.bentomodel").unlink()
    status = run_mlspec("status", cwd=root).stdout
    assert f"  train        stale\n      its outputs in run {first.run_id} are missing or changed\n" in status, status
    result = run_mlspec("evaluate", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "[1/2] train ... passed in " in result.stderr and "[2/2] evaluate ... passed in " in result.stderr
    record = latest(root)
    assert (store.run_dir(record.run_id) / record.model.path).is_file()
    assert record.stage("train").reasons == ["its outputs (model, predictions, reports) are missing or changed"]
    assert set(record.stage("train").outputs) == {"model.bentomodel"}  # digests checked before reuse

    predictions = store.run_dir(record.run_id) / "predictions.csv"
    predictions.write_text(predictions.read_text().replace("\n1,", "\n0,", 1))
    result = run_mlspec("evaluate", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("passed in") == 1 and "evaluate ... passed in" in result.stderr


def test_changing_only_the_test_file_does_not_retrain(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    before = latest(root)
    make_frame(1000, 5).to_csv(root / "data" / "test.csv", index=False)
    status = run_mlspec("status", cwd=root).stdout
    assert "  train        up to date\n" in status, status
    assert "  evaluate     stale\n      data file data/test.csv changed\n" in status, status
    result = run_mlspec("evaluate", cwd=root)
    assert result.returncode == 0, result.stderr
    record = latest(root)
    assert record.model.tag == before.model.tag
    assert record.stage("train").status == "cached" and record.stage("evaluate").status == "passed"


def test_editing_the_script_of_train_command_makes_train_stale(trained, tmp_path: Path) -> None:
    """The command's script (and its folder) is an input of the train stage, as it is a CT trigger."""
    import sys

    root = clone_project(trained, tmp_path / "p")
    (root / "src" / "helpers.py").write_text("SOLVER = 'lbfgs'\n")
    (root / "src" / "train_cmd.py").write_text(
        "import os, pickle, sys\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
        "sys.path.insert(0, os.path.dirname(__file__))\nfrom helpers import SOLVER\n"
        "df = pd.read_csv(os.environ['MLSPEC_TRAIN'])\n"
        "m = LogisticRegression(solver=SOLVER).fit(df.drop(columns=['outcome']), df['outcome'])\n"
        "pickle.dump(m, open(os.environ['MLSPEC_MODEL_OUT'], 'wb'))\n"
    )
    spec = SPEC.replace("  entrypoint: src/train.py:train\n", f"  command: {sys.executable} src/train_cmd.py --fast\n")
    (root / "mlproject.yaml").write_text(spec)
    assert run_mlspec("train", cwd=root).returncode == 0
    assert "  train        up to date\n" in run_mlspec("status", cwd=root).stdout
    for name, text in (("train_cmd.py", "\n# tuned\n"), ("helpers.py", "\nMAX_ITER = 200\n")):
        path = root / "src" / name
        path.write_text(path.read_text() + text)
        status = run_mlspec("status", cwd=root).stdout
        assert f"  train        stale\n      code file src/{name} changed\n" in status, status
        run = run_mlspec("train", cwd=root)
        assert run.returncode == 0 and "[1/1] train ... passed in" in run.stderr, run.stderr


def test_missing_or_infinite_labels_fail_the_data_tests_with_the_rows(trained, tmp_path: Path) -> None:
    root = clone_project(trained, tmp_path / "p")
    train = make_frame(1500, 1).astype({"outcome": "float64"})
    train.loc[[3, 10, 11, 40, 41, 100], "outcome"] = np.nan
    train.loc[7, "outcome"] = np.inf
    train.to_csv(root / "data" / "train.csv", index=False)
    result = run_mlspec("test", "data", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        "error: data: every row needs a label",
        "  - data.train data/train.csv: 7 rows with a missing or non-finite label 'outcome': rows 4, 8, 11, 12, 41 "
        "(first 5 shown)",
        "  hint: fill in or drop those rows (rows are numbered from 1, the first row after the header)",
    ]
    assert latest(root).stage("data_tests").status == "failed"
    assert not (RunStore(root).run_dir(latest(root).run_id) / "data_tests.json").exists()  # deepchecks never ran
