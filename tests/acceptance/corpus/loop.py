"""The whole local loop on one corpus project, as a user runs it: each command in its own process (so every
process that loads the model finds the project's code the way a user's would), every outcome recorded, and the
loop carried on past a failed step wherever the next step can still run, so one bug does not hide the rest.

validate -> run -> status -> test serving -> gate -> report -> promote (local, merged like a PR) -> build --env
-> serve + real requests -> drift (shifted copy) -> a code-only retrain promoted the same way -> rollback (merged)
-> gc."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tests.acceptance.corpus.projects import PROJECTS, write_project
from tests.helpers import git, init_repo, run_mlspec


@dataclass
class Step:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def output(self) -> str:
        return f"$ mlspec {' '.join(self.args)} -> exit {self.returncode}\n{self.stdout}\n{self.stderr}"


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class LoopResult:
    name: str
    root: Path
    steps: dict[str, Step] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # what the checks compare: tags, run ids, rows
    seconds: float = 0.0

    def step(self, key: str) -> Step:
        return self.steps[key]

    def record(self, run_id: str | None = None) -> dict[str, Any]:
        run_id = run_id or self.facts["first_run"]
        return json.loads((self.root / ".mlspec" / "runs" / run_id / "record.json").read_text())


def _latest_run(root: Path) -> str | None:
    runs = sorted(p.name for p in (root / ".mlspec" / "runs").glob("2*") if (p / "record.json").exists())
    return runs[-1] if runs else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, payload: Any) -> Answer:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, json.loads(response.read() or b"null"))
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        try:
            return Answer(error.code, json.loads(text))
        except ValueError:
            return Answer(error.code, text)


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as a client sends them: missing values of every dtype are JSON null."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return rows


class Loop:
    def __init__(self, name: str, workdir: Path, bentoml_home: Path) -> None:
        self.project = PROJECTS[name]
        self.result = LoopResult(name, workdir / "work")
        self.env = {
            "BENTOML_HOME": str(bentoml_home),
            **{k: "" for k in os.environ if k.startswith("GITHUB_")},
            "GITHUB_TOKEN": "",
        }
        self.remote = workdir / "remote.git"
        self.outside = workdir / "outside"  # files the user keeps out of the repository (the shifted copy)

    @property
    def root(self) -> Path:
        return self.result.root

    def cli(self, key: str, *args: str, timeout: float = 600) -> Step:
        start = time.monotonic()
        try:
            done = run_mlspec(*args, cwd=self.root, env=self.env, timeout=timeout)
            step = Step(tuple(args), done.returncode, done.stdout, done.stderr, time.monotonic() - start)
        except subprocess.TimeoutExpired as timed_out:
            step = Step(tuple(args), -9, str(timed_out.stdout or ""), f"timed out after {timeout}s", timeout)
        self.result.steps[key] = step
        return step

    def merge(self, branch: str, message: str) -> bool:
        """What merging the pull request does: the branch lands on main, main is pushed."""
        if not git("branch", "--list", branch, cwd=self.root):
            return False
        git("merge", "-q", "--no-ff", "-m", message, branch, cwd=self.root)
        git("push", "-q", "origin", "main", cwd=self.root)
        return True

    def deployed_tag(self) -> str | None:
        path = self.root / "deploy" / "staging.yaml"
        if not path.exists():
            return None
        import yaml

        data = yaml.safe_load(path.read_text())
        return str(data["model"]["tag"])

    # --- the loop ---------------------------------------------------------------------------------------------

    def run(self) -> LoopResult:
        start = time.monotonic()
        write_project(self.project.name, self.root)
        init_repo(self.root, remote=self.remote)
        self.outside.mkdir()
        try:
            self._first_model()
            if self.result.facts.get("promoted"):
                self._serve()
                self._drift()
                self._second_model_and_rollback()
            self.cli("gc", "gc", "--keep", "1")
        finally:
            self.result.seconds = time.monotonic() - start
        return self.result

    def _first_model(self) -> None:
        facts = self.result.facts
        self.cli("validate", "validate")
        run = self.cli("run", "run")
        facts["first_run"] = _latest_run(self.root)
        if facts["first_run"] is None:
            return
        self.cli("status", "status")
        self._stage_by_stage("", facts["first_run"])
        facts["first_run"] = _latest_run(self.root)
        self.cli("test serving", "test", "serving")
        self.cli("gate", "gate", "--env", "staging")
        self.cli("report", "report")
        record = self.result.record()
        facts["first_tag"] = record["model"]["tag"] if record.get("model") else None
        if facts["first_tag"] is None:
            return
        facts["promoted"] = self._promoted(
            "promote", run, record, "Merge the promotion pull request", facts["first_tag"]
        )
        if facts["promoted"]:
            self.cli("build", "build", "--env", "staging")

    def _promoted(self, label: str, run: Step, record: dict, message: str, tag: str | None) -> bool:
        """`mlspec promote --env staging` after ``run`` (whose record is ``record``), its pull request merged with
        ``message``: True when staging's deploy file then names ``tag``."""
        promote = ["promote", "--env", "staging"]
        if run.returncode != 0 and record["status"] != "passed":
            # the data or model tests failed (a finding of its own): carry on so the rest of the loop is seen
            promote.append("--allow-failed-tests")
        self.cli(label, *promote)
        merged = self.merge(f"mlspec/promote/{self.project.name}/staging", message)
        return merged and self.deployed_tag() == tag

    def _stage_by_stage(self, prefix: str, run_id: str | None) -> None:
        """When the data tests stopped the run (a finding of its own), carry on stage by stage, as a user would,
        so that the rest of the loop is seen."""
        if run_id is None or self.result.record(run_id).get("model"):
            return
        self.cli(f"{prefix}train", "train")
        self.cli(f"{prefix}evaluate", "evaluate")
        self.cli(f"{prefix}test model", "test", "model")

    def _serve(self) -> None:
        facts, answers = self.result.facts, self.result.answers
        record = self.result.record()
        features = list(record["model"]["features"])
        test_rows = self._test_rows(record)
        facts["served_rows"] = test_rows
        port = _free_port()
        log = (self.outside / "serve.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "mlspec", "serve", "--port", str(port)],
            cwd=self.root,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    with urllib.request.urlopen(f"{base}/readyz", timeout=5) as ready:
                        if ready.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    time.sleep(0.5)
            facts["serve_ready"] = server.poll() is None and time.monotonic() < deadline
            if not facts["serve_ready"]:
                return
            rows = json_rows(test_rows[features])
            answers["rows"] = _post(f"{base}/predict", {"rows": rows})
            optional = self._optional_features(features)
            facts["optional"] = optional
            null_row = {**rows[0], **{name: None for name in optional}}
            answers["null row"] = _post(f"{base}/predict", {"rows": [null_row]})
            target = features[0]
            kind = record["model"]["features"][target]
            wrong = "not a number" if kind in ("int", "float") else (12345 if kind == "str" else "maybe")
            facts["wrong_field"] = target
            answers["wrong type"] = _post(f"{base}/predict", {"rows": [{**rows[0], target: wrong}]})
            answers["extra field"] = _post(f"{base}/predict", {"rows": [{**rows[0], "unexpected_column": 1}]})
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
            self.result.facts["serve_log"] = (self.outside / "serve.log").read_text()[-4000:]

    def _table(self, role: str) -> pd.DataFrame:
        """The table the spec names for ``role`` (train or test), or the one source the split holds out from."""
        import yaml

        data = yaml.safe_load((self.root / "mlproject.yaml").read_text())["data"]
        path = data.get(role) or data["source"]
        return pd.read_csv(self.root / path)

    def _test_rows(self, record: dict[str, Any]) -> pd.DataFrame:
        """The first 20 rows of predictions.csv, looked up in the test table (by the index column when the spec
        has one, else by position), with the prediction mlspec recorded for each."""
        import yaml

        data = yaml.safe_load((self.root / "mlproject.yaml").read_text())["data"]
        predictions = pd.read_csv(self.root / ".mlspec" / "runs" / record["run_id"] / "predictions.csv").head(20)
        table = self._table("test")
        if data.get("index"):
            picked = table.set_index(data["index"], drop=False).loc[predictions["row"].to_numpy()]
        else:
            picked = table.iloc[predictions["row"].to_numpy()]
        picked = picked.reset_index(drop=True)
        picked["__expected"] = predictions["y_pred"].to_numpy()
        return picked

    def _optional_features(self, features: list[str]) -> list[str]:
        """Features with missing values in the training data: the service must take null for them."""
        table = self._table("train")
        return [name for name in features if table[name].isna().any()]

    def _drift(self) -> None:
        import yaml

        data = yaml.safe_load((self.root / "mlproject.yaml").read_text())["data"]
        table = self._table("test")
        skip = {data["label"], data.get("index"), data.get("datetime")}
        for column in table.columns:
            if column in skip:
                continue
            values = table[column]
            if pd.api.types.is_bool_dtype(values):
                continue
            if pd.api.types.is_numeric_dtype(values):
                spread = float(values.std()) or 1.0
                shifted = values + 3 * spread
                table[column] = shifted.round().astype(values.dtype) if values.dtype.kind == "i" else shifted
            else:
                table[column] = values.where(values.isna(), values.mode().iloc[0])
        shifted_path = self.outside / "shifted.csv"
        table.to_csv(shifted_path, index=False)
        self.cli("drift", "drift", "--env", "staging", "--current", str(shifted_path))

    def _second_model_and_rollback(self) -> None:
        """A code-only change retrains (same seed: same quality), is promoted and merged; then the rollback restores
        the first model. What the second model costs is what any new model costs: its data tests come from the cache
        (a code change leaves their inputs alone), train, evaluate and model tests run (a new model)."""
        facts = self.result.facts
        code = next(self.root.glob("src/train.py"))
        code.write_text(code.read_text() + "\n# retrained after a code review (no change in behaviour)\n")
        git("commit", "-q", "-am", "train: a comment", cwd=self.root)
        git("push", "-q", "origin", "main", cwd=self.root)
        run = self.cli("second run", "run")
        facts["second_run"] = _latest_run(self.root)
        self._stage_by_stage("second ", facts["second_run"])
        facts["second_run"] = _latest_run(self.root)
        second = self.result.record(facts["second_run"])
        facts["second_tag"] = second["model"]["tag"] if second.get("model") else None
        # no `gate` first: promote decides the gate itself when the run has no gate.json (the first model covered
        # gate -> promote with a saved decision); one process fewer per project
        facts["second_promoted"] = self._promoted(
            "second promote", run, second, "Merge the second promotion", facts["second_tag"]
        )
        if not facts["second_promoted"]:
            return
        self.cli("rollback", "rollback", "--env", "staging")
        facts["rolled_back"] = self.merge(f"mlspec/rollback/{self.project.name}/staging", "Merge the rollback")
        facts["tag_after_rollback"] = self.deployed_tag()
        card = self.root / "deploy" / "staging.card.md"
        facts["card_after_rollback"] = card.read_text() if card.exists() else ""
        body = self.root / ".mlspec" / "rollbacks" / "staging" / "pr-body.md"
        facts["rollback_body"] = body.read_text() if body.exists() else ""
        branch = f"mlspec/rollback/{self.project.name}/staging"
        facts["rollback_commit"] = (
            git("log", "-1", "--format=%s", branch, cwd=self.root) if facts["rolled_back"] else ""
        )


def run_loop(name: str, workdir: Path, bentoml_home: Path) -> LoopResult:
    return Loop(name, workdir, bentoml_home).run()
