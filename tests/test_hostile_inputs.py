"""Every CLI command fed hostile or broken inputs (issue 13): each must end with exit 1 or 2 and a
message of mlspec's own (never exit 3, never a traceback), write nothing outside the project's state
folder, and leave earlier runs and deploy files as they were.

One small project (two features, 60 rows, a hand-written model, no deepchecks) is trained once; every
case runs on a copy of it, changed by the case. The CLI's main runs in-process (tests.helpers.run_cli: the
same exit status and messages as `python -m mlspec`, without a start-up and imports per case); the cases
that need an empty BentoML store, which BentoML reads when it is imported, start the CLI as a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import init_repo, run_cli

MLSPEC = [sys.executable, "-m", "mlspec"]
OUTSIDE = "../../../../../../../../../../etc/passwd"

SPEC = """\
apiVersion: mlspec/v1
name: tiny
data: {train: data/train.csv, test: data/test.csv, label: y}
train: {entrypoint: src/train.py:train, params: {kind: ok}}
evaluate: {task: binary}
tests: {data: {enabled: false}, model: {enabled: false}}
environments: [{name: staging}, {name: production, requires: staging}]
"""

TRAIN = """\
import threading

import numpy as np


class Model:
    classes_ = [0, 1]

    def predict(self, X):
        return (X["a"] > 0.5).astype(int).to_numpy()

    def predict_proba(self, X):
        p = X["a"].to_numpy()
        return np.c_[1 - p, p]


class Locked(Model):
    def __init__(self):
        self.lock = threading.Lock()


class Short(Model):
    def predict(self, X):
        return super().predict(X)[:-1]

    def predict_proba(self, X):
        return super().predict_proba(X)[:-1]


def train(X, y, params):
    return {"ok": Model, "lock": Locked, "short": Short}[params["kind"]]()
"""


def _rows(start: int, count: int, label: Callable[[int, float], object] | None = None) -> str:
    lines = []
    for i in range(start, start + count):
        a = ((i * 37) % 100) / 100
        b = ((i * 53) % 100) / 100
        lines.append(f"{a},{b},{label(i, a) if label else int(a > 0.5)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained project: one passed run (record, model archive) and deploy/staging.yaml naming it."""
    root = tmp_path_factory.mktemp("hostile-base") / "project"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "deploy").mkdir()
    (root / "mlproject.yaml").write_text(SPEC)
    (root / "src" / "train.py").write_text(TRAIN)
    (root / "data" / "train.csv").write_text("a,b,y\n" + _rows(0, 40))
    (root / "data" / "test.csv").write_text("a,b,y\n" + _rows(40, 20))
    (root / ".gitignore").write_text(".mlspec/\n__pycache__/\n")
    init_repo(root)
    result = run_cli("run", cwd=root)  # in-process, as the cases: the set-up, not a case
    assert result.returncode == 0, result.stdout + result.stderr
    record = _latest_record(root)
    (root / "deploy" / "staging.yaml").write_text(
        "project: tiny\nenvironment: staging\n"
        f"model: {{tag: '{record['model']['tag']}', version: '{record['model']['tag'].split(':')[1]}', "
        f"artifact: '.mlspec/runs/{record['run_id']}/model.bentomodel'}}\n"
    )
    return root


def _latest_record(root: Path) -> dict:
    run_id = (root / ".mlspec" / "runs" / "latest").read_text().strip()
    return json.loads((root / ".mlspec" / "runs" / run_id / "record.json").read_text())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------- changes a case makes


def set_spec(old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        text = (root / "mlproject.yaml").read_text()
        assert old in text
        (root / "mlproject.yaml").write_text(text.replace(old, new))

    return change


def add_spec(text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        with (root / "mlproject.yaml").open("a") as handle:
            handle.write(text)

    return change


def write(relative: str, text: str | bytes) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode() if isinstance(text, str) else text)

    return change


def symlink_out(relative: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        secret = root.parent / "secret.csv"
        secret.write_text("a,b,y\n" + _rows(0, 40))
        (root / relative).unlink()
        (root / relative).symlink_to(secret)

    return change


def edit_record(**changes: object) -> Callable[[Path], None]:
    """Set keys of the latest record (`model.tag` for nested ones)."""

    def change(root: Path) -> None:
        run_id = (root / ".mlspec" / "runs" / "latest").read_text().strip()
        path = root / ".mlspec" / "runs" / run_id / "record.json"
        record = json.loads(path.read_text())
        for key, value in changes.items():
            target = record
            *parents, last = key.split(".")
            for part in parents:
                target = target[part]
            target[last] = value
        path.write_text(json.dumps(record))

    return change


def corrupt_record(root: Path) -> None:
    run_id = (root / ".mlspec" / "runs" / "latest").read_text().strip()
    (root / ".mlspec" / "runs" / run_id / "record.json").write_text('{"run_id": ')


def deploy_artifact(value: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / "deploy" / "staging.yaml"
        lines = [line for line in path.read_text().splitlines()]
        head, _, _ = lines[2].rpartition("artifact:")
        lines[2] = f"{head}artifact: '{value}'}}"
        path.write_text("\n".join(lines) + "\n")

    return change


def truncated_archive(root: Path) -> None:
    run_id = (root / ".mlspec" / "runs" / "latest").read_text().strip()
    archive = (root / ".mlspec" / "runs" / run_id / "model.bentomodel").read_bytes()
    (root / "deploy" / "model.bentomodel").write_bytes(archive[: len(archive) // 2])
    deploy_artifact("deploy/model.bentomodel")(root)


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        for one in changes:
            one(root)

    return change


# ----------------------------------------------------------------------------- the table


@dataclass
class Case:
    id: str
    args: list[str]
    change: Callable[[Path], None] | None = None
    expect: str = ""  # text of mlspec's message the output must contain
    env: dict[str, str] = field(default_factory=dict)
    fresh_store: bool = False  # an empty BentoML store (the model must come from the deploy file)
    record_failed: bool = False  # the command made a new run record: it must say failed, not running


CASES = [
    # paths that leave the repository, project or state folder (item 3)
    Case(
        "validate-data-outside",
        ["validate"],
        set_spec("train: data/train.csv", f"train: {OUTSIDE}"),
        f"data.train: '{OUTSIDE}' leads outside the repository",
    ),
    Case(
        "run-data-outside",
        ["run"],
        set_spec("train: data/train.csv", f"train: {OUTSIDE}"),
        f"data.train: '{OUTSIDE}' leads outside the repository",
    ),
    Case(
        "status-data-outside",
        ["status"],
        set_spec("test: data/test.csv", f"test: {OUTSIDE}"),
        f"data.test: '{OUTSIDE}' leads outside the repository",
    ),
    Case(
        "render-data-outside",
        ["render"],
        set_spec("train: data/train.csv", f"train: {OUTSIDE}"),
        "points outside the repository",
    ),
    Case(
        "test-data-symlink-out",
        ["test", "data", "--force"],
        symlink_out("data/train.csv"),
        "data.train: 'data/train.csv' leads outside the repository",
    ),
    Case(
        "train-entrypoint-outside",
        ["train"],
        set_spec("src/train.py:train", "../../../../../../../../x.py:train"),
        "train.entrypoint: '../../../../../../../../x.py' leads outside the repository",
    ),
    Case(
        "validate-glob-outside",
        ["validate"],
        add_spec("triggers: {paths: {code: ['../../../../../../../../../x/**']}}\n"),
        "triggers.paths.code[0]: path glob '../../../../../../../../../x/**' points outside the repository",
    ),
    Case(
        "gate-run-id-escape",
        ["gate"],
        edit_record(run_id="../../../../tmp/x"),
        "run_id: '../../../../tmp/x' is not a plain name",
    ),
    Case(
        "report-run-id-escape",
        ["report"],
        edit_record(run_id="../../../../tmp/x"),
        "run_id: '../../../../tmp/x' is not a plain name",
    ),
    Case(
        "promote-latest-escape",
        ["promote", "--env", "staging", "--dry-run"],
        write(".mlspec/runs/latest", "../../../../tmp/x\n"),
        "run_id: '../../../../tmp/x' is not a plain name",
    ),
    Case(
        "build-model-path-escape",
        ["build"],
        edit_record(**{"model.path": OUTSIDE}),
        f"model.path: '{OUTSIDE}' leads outside the state folder",
    ),
    Case(
        "locate-artifact-absolute",
        ["build", "--env", "staging", "--locate"],
        deploy_artifact("/etc/passwd"),
        "model.artifact: '/etc/passwd' leads outside the project folder",
    ),
    Case(
        "build-artifact-dotdot",
        ["build", "--env", "staging"],
        deploy_artifact("../../../../../etc/passwd"),
        "model.artifact: '../../../../../etc/passwd' leads outside the project folder",
    ),
    Case(
        "locate-gh-artifact-dotdot",
        ["build", "--env", "staging", "--locate"],
        deploy_artifact("gh-artifact:1/../x"),
        "model.artifact: 'gh-artifact:1/../x' is not `gh-artifact:",
    ),
    Case("drift-current-outside", ["drift", "--current", OUTSIDE + "-nothing"], None, ""),
    # faults that ended in exit 3 (item 5)
    Case("run-unpicklable-model", ["run"], set_spec("kind: ok", "kind: lock"), "pickle", record_failed=True),
    Case(
        "run-predict-wrong-rows",
        ["run"],
        set_spec("kind: ok", "kind: short"),
        "evaluate: the model's predict returned 19 rows for 20 input rows",
        record_failed=True,
    ),
    Case(
        "build-truncated-archive",
        ["build", "--env", "staging"],
        truncated_archive,
        "it is not a complete model archive",
        fresh_store=True,
    ),
    Case(
        "build-not-an-archive",
        ["build", "--env", "staging"],
        both(write("deploy/model.bentomodel", "not an archive\n"), deploy_artifact("deploy/model.bentomodel")),
        "it is not a complete model archive",
        fresh_store=True,
    ),
    Case(
        "build-version-dotdot",
        ["build", "--version", "../../x"],
        None,
        "--version: 'tiny:../../x' is not a model tag `name:version`",
    ),
    Case("build-version-blank", ["build", "--version", " "], None, "--version: the model tag is empty"),
    Case("build-version-colons", ["build", "--version", "a:b:c"], None, "--version: 'a:b:c' is not a model tag"),
    Case("report-output-folder", ["report", "-o", "data"], None, "cannot write data: it is a folder"),
    Case("schema-output-folder", ["schema", "-o", "data"], None, "cannot write data: it is a folder"),
    Case(
        "schema-output-below-file",
        ["schema", "-o", "mlproject.yaml/x.json"],
        None,
        "cannot create folder mlproject.yaml: mlproject.yaml is a file",
    ),
    Case(
        "init-onto-file",
        ["init", "mlproject.yaml"],
        None,
        "cannot create folder mlproject.yaml: mlproject.yaml is a file",
    ),
    Case(
        "render-output-dir-file",
        ["render", "--output-dir", "mlproject.yaml"],
        None,
        "cannot create folder mlproject.yaml: mlproject.yaml is a file",
    ),
    Case(
        "retries-nan",
        ["report", "--comment"],
        None,
        "MLSPEC_GITHUB_RETRIES='nan' is not a whole number from 0 to 100",
        env={"MLSPEC_GITHUB_RETRIES": "nan", "GITHUB_TOKEN": "t0ken-x", "GITHUB_REPOSITORY": "a/b"},
    ),
    Case(
        "retries-inf",
        ["promote", "--env", "staging"],
        None,
        "MLSPEC_GITHUB_RETRIES='inf' is not a whole number",
        env={"MLSPEC_GITHUB_RETRIES": "inf", "GITHUB_TOKEN": "t0ken-x", "GITHUB_REPOSITORY": "a/b"},
    ),
    Case(
        "retry-base-negative",
        ["report", "--comment"],
        None,
        "MLSPEC_GITHUB_RETRY_BASE_SECONDS='-1' is not a number from 0 up",
        env={"MLSPEC_GITHUB_RETRY_BASE_SECONDS": "-1", "GITHUB_TOKEN": "t0ken-x", "GITHUB_REPOSITORY": "a/b"},
    ),
    Case(
        "record-invalid-tag",
        ["gate"],
        edit_record(**{"model.tag": "tiny:../../x"}),
        "model.tag: 'tiny:../../x' is not a model tag",
    ),
    Case(
        "build-record-invalid-tag",
        ["build"],
        edit_record(**{"model.tag": "a b"}),
        "model.tag: 'a b' is not a model tag",
    ),
    Case(
        "deploy-invalid-tag",
        ["build", "--env", "staging"],
        write("deploy/staging.yaml", "project: tiny\nenvironment: staging\nmodel: {tag: '../x', version: x}\n"),
        "model.tag: '../x' is not a model tag",
    ),
    Case("report-corrupt-record", ["report"], corrupt_record, "is corrupt: the file: "),
    Case("gate-corrupt-record", ["gate"], corrupt_record, "is corrupt: the file: "),
    # validation gaps (item 7)
    Case(
        "validate-delta-bounds",
        ["validate"],
        add_spec("gates: [{metric: roc_auc, min_delta: 0.1, max_delta: 0.01}]\n"),
        "`min_delta` (0.1) is greater than `max_delta` (0.01): no model can pass",
    ),
    Case(
        "validate-install-expression",
        ["validate"],
        add_spec("ci: {install: 'echo ${{ github.token }}'}\n"),
        "ci.install: contains '${{'",
    ),
    Case(
        "render-drift-command-expression",
        ["render"],
        add_spec("triggers: {drift: {command: 'echo ${{ secrets.X }} > x'}}\n"),
        "triggers.drift.command: contains '${{'",
    ),
    Case(
        "validate-first-requires-later",
        ["validate"],
        set_spec(
            "[{name: staging}, {name: production, requires: staging}]",
            "[{name: staging, requires: production}, {name: production}]",
        ),
        "environment 'staging' requires 'production', which comes later in the promotion order",
    ),
    Case(
        "validate-reversed-glob",
        ["validate"],
        add_spec("triggers: {paths: {data: ['data/]a[']}}\n"),
        "path glob 'data/]a[' has unbalanced brackets",
    ),
    Case(
        "run-binary-one-class",
        ["run"],
        write("data/train.csv", "a,b,y\n" + _rows(0, 40, lambda i, a: 1)),
        "evaluate.task is binary, which needs exactly 2 classes of 'y' in the training rows, but data/train.csv "
        "(data.train) has 1: 1",
    ),
    Case(
        "run-binary-three-classes",
        ["run"],
        write("data/train.csv", "a,b,y\n" + _rows(0, 40, lambda i, a: i % 3)),
        "has 3: 0, 1, 2",
    ),
    Case(
        "run-duplicate-header",
        ["run"],
        write("data/train.csv", "a,a,y\n" + _rows(0, 40)),
        "data.train: data/train.csv has more than one column named 'a'",
    ),
    # small ones (item 9)
    Case("validate-long-name", ["validate"], set_spec("name: tiny", "name: " + "X" * 5000), "... (5000 characters)"),
    Case(
        "report-comment-closed-port",
        ["report", "--comment"],
        None,
        "check GITHUB_API_URL and the network: nothing accepted the connection",
        env={
            "MLSPEC_GITHUB_RETRIES": "0",
            "GITHUB_TOKEN": "t0ken-x",
            "GITHUB_REPOSITORY": "a/b",
            "GITHUB_REF": "refs/pull/1/merge",
        },
    ),
    # more of the same kinds
    Case("validate-yaml-garbage", ["validate"], write("mlproject.yaml", "\x00\x01: [\n"), ""),
    Case("run-spec-is-folder", ["run", "data"], None, ""),
    Case("serve-bad-port", ["serve", "--port", "notaport"], None, ""),
    Case("gate-unknown-env", ["gate", "--env", "nowhere"], None, "nowhere"),
    Case("drift-unreadable-current", ["drift", "--current", "mlproject.yaml"], None, ""),
]


def _snapshot(folder: Path, *, skip_state: bool) -> dict[str, str]:
    """Relative path -> content digest (symlink targets as text) of every file below ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if "__pycache__" in path.parts or ".git" in path.parts or (skip_state and "/.mlspec/" in f"/{rel}/"):
            continue
        if path.is_symlink():
            found[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _kept(root: Path) -> dict[str, str]:
    """What must never change: earlier run records and model archives, and deploy files."""
    found = {}
    for path in sorted((root / ".mlspec" / "runs").glob("*/*")):
        if path.name in ("record.json", "model.bentomodel", "predictions.csv"):
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    for path in sorted((root / "deploy").glob("*")):
        found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize(
    "case",
    # the cases that need an empty BentoML store start the CLI as a subprocess (imports and all): `make test` runs them
    [pytest.param(c, marks=[pytest.mark.slow] if c.fresh_store else []) for c in CASES],
    ids=[c.id for c in CASES],
)
def test_hostile_input_is_refused_cleanly(case: Case, base: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(base, root, symlinks=True)
    if case.change is not None:
        case.change(root)
    before_outside, before_kept = _snapshot(tmp_path, skip_state=True), _kept(root)
    env = {
        **os.environ,
        "GITHUB_API_URL": f"http://127.0.0.1:{_closed_port()}",
        "MLSPEC_GITHUB_RETRY_BASE_SECONDS": "0",
        "TMPDIR": str(tmp_path / "tmp"),
        **case.env,
    }
    (tmp_path / "tmp").mkdir()
    if case.fresh_store:
        env["BENTOML_HOME"] = str(tmp_path / "tmp" / "bentoml")
    if case.fresh_store:
        result = subprocess.run([*MLSPEC, *case.args], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    else:
        result = run_cli(*case.args, cwd=root, env=env)
    output = result.stdout + result.stderr
    assert result.returncode in (1, 2), output
    assert "Traceback" not in output
    assert "internal error" not in output
    assert case.expect in output
    assert "t0ken-x" not in output
    after_outside = _snapshot(tmp_path, skip_state=True)
    written = {k for k in after_outside if before_outside.get(k) != after_outside[k]}
    assert {k for k in written if not k.startswith("tmp/")} == set(), written
    if case.record_failed:
        records = [json.loads(p.read_text()) for p in (root / ".mlspec" / "runs").glob("*/record.json")]
        assert len(records) == 2 and sorted(r["status"] for r in records) == ["failed", "passed"]
    after_kept = _kept(root)
    assert {k: after_kept.get(k) for k in before_kept} == before_kept  # new runs may be added, none changed
