"""The store with real training, a real BentoML store and real stores (a folder, moto's S3 on 127.0.0.1): a second
machine (empty state, empty BentoML store) reuses every stage; a tampered object is refused; rollback and CD get a
model whose artifact is gone from the store; `mlspec gc` never deletes from it, `store gc --dry-run` lists."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mlspec.store.backend import ContentStore
from tests.helpers import git, init_repo, run_mlspec

pytestmark = pytest.mark.slow  # trains and builds a Bento for real: `make test-fast` skips it

SPEC = """\
apiVersion: mlspec/v1
name: stored
store: {store}
data:
  train: data/train.csv
  test: data/test.csv
  label: y
train:
  entrypoint: src/train.py:train
  params: {{n_estimators: 5}}
evaluate:
  task: binary
  metrics: [roc_auc, accuracy]
tests:
  data: {{enabled: false}}
  model: {{enabled: false}}
gates:
  - {{metric: roc_auc, min: 0.5}}
environments:
  - name: staging
"""

TRAIN_PY = """\
from sklearn.ensemble import RandomForestClassifier


def train(X, y, params):
    return RandomForestClassifier(n_estimators=params["n_estimators"], random_state=0).fit(X, y)
"""


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": (x[:, 0] + x[:, 1] > 0).astype(int)})


def _project(root: Path, store: str) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    _frame(300, 1).to_csv(root / "data" / "train.csv", index=False)
    _frame(100, 2).to_csv(root / "data" / "test.csv", index=False)
    (root / "src" / "train.py").write_text(TRAIN_PY)
    (root / "mlproject.yaml").write_text(SPEC.format(store=store))
    (root / ".gitignore").write_text(".mlspec/\n")
    init_repo(root)
    return root


def _fresh_machine(root: Path, tmp_path: Path, name: str) -> dict[str, str]:
    """Another machine: no local state, an empty BentoML store."""
    shutil.rmtree(root / ".mlspec", ignore_errors=True)
    return {"BENTOML_HOME": str(tmp_path / name / "bentoml")}


def _ok(done) -> str:  # type: ignore[no-untyped-def]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return str(done.stdout + done.stderr)


def test_a_second_machine_reuses_every_stage_and_a_tampered_object_is_refused(store_url: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", store_url)
    first = _ok(run_mlspec("run", cwd=root))
    assert "train ... passed" in first
    run_id = first.split("\nrun ")[1].split(":")[0]
    commit = git("rev-parse", "HEAD", cwd=root)
    assert "pushed run" in _ok(run_mlspec("push", cwd=root))

    env = _fresh_machine(root, tmp_path, "second")
    status = _ok(run_mlspec("status", cwd=root, env=env))
    assert f"the model store holds its result: `mlspec run` reuses it (run {run_id} (commit {commit[:12]}))" in status
    second = _ok(run_mlspec("run", cwd=root, env=env))
    for title in ("train", "evaluate"):
        assert f"{title} ... reused from run {run_id} (commit {commit[:12]}) in the store" in second
    assert "passed in" not in second  # nothing recomputed
    status = _ok(run_mlspec("status", cwd=root, env=env))
    assert f"reused from run {run_id} (commit {commit[:12]}) in the model store" in status
    report = _ok(run_mlspec("report", "--output", str(tmp_path / "report.md"), cwd=root, env=env))
    assert (
        report
        and f"train: reused from run {run_id} (commit {commit[:12]}) (model store)"
        in (tmp_path / "report.md").read_text()
    )
    # the reused model works here: the gate's champion-free checks read the run, `mlspec build` would import it
    _ok(run_mlspec("gate", cwd=root, env=env))

    # one byte of the model archive changed in the store: refused, naming both digests, exit 1, no traceback
    store = ContentStore.open(store_url)
    record = yaml.safe_load((root / ".mlspec" / "runs" / run_id / "record.json").read_text())
    archive = (root / ".mlspec" / "runs" / run_id / record["model"]["path"]).read_bytes()
    digest = hashlib.sha256(archive).hexdigest()
    tampered = bytearray(archive)
    tampered[len(tampered) // 2] ^= 0xFF
    store.fs.pipe_file(store.blob_key(digest), bytes(tampered))
    env = _fresh_machine(root, tmp_path, "third")
    refused = run_mlspec("run", cwd=root, env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"sha256:{hashlib.sha256(bytes(tampered)).hexdigest()}" in refused.stderr
    assert f"sha256:{digest}" in refused.stderr and "refused" in refused.stderr


def _promote_and_merge(root: Path, env: dict[str, str] | None = None) -> dict:
    _ok(run_mlspec("promote", "--env", "staging", cwd=root, env=env))
    git("merge", "-q", "--no-edit", "mlspec/promote/stored/staging", cwd=root)
    git("branch", "-q", "-D", "mlspec/promote/stored/staging", cwd=root)
    return dict(yaml.safe_load((root / "deploy" / "staging.yaml").read_text())["model"])


def _new_params(root: Path, n: int) -> None:
    spec = root / "mlproject.yaml"
    spec.write_text(
        spec.read_text()
        .replace("n_estimators: 5}", f"n_estimators: {n}}}")
        .replace("n_estimators: 7}", f"n_estimators: {n}}}")
    )
    git("commit", "-qam", f"n_estimators {n}", cwd=root)


def test_rollback_and_cd_get_a_model_whose_artifact_is_gone_from_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    root = _project(tmp_path / "proj", str(store_dir))
    _ok(run_mlspec("run", cwd=root))
    unpushed = run_mlspec("promote", "--env", "staging", cwd=root)  # the store must hold what a deploy file names
    assert unpushed.returncode == 1 and "mlspec push" in unpushed.stderr, unpushed.stderr
    _ok(run_mlspec("push", cwd=root))
    v1 = _promote_and_merge(root)
    assert v1["store"] == str(store_dir) and v1["digest"].startswith("sha256:")
    _new_params(root, 7)
    _ok(run_mlspec("run", cwd=root))
    _ok(run_mlspec("push", cwd=root))
    v2 = _promote_and_merge(root)
    assert v2["tag"] != v1["tag"]
    _new_params(root, 9)  # a third model, pushed but never promoted
    _ok(run_mlspec("run", cwd=root))
    _ok(run_mlspec("push", cwd=root))
    before = sorted(p.relative_to(store_dir) for p in store_dir.rglob("*") if p.is_file())

    _ok(run_mlspec("gc", "--keep", "1", cwd=root))  # local runs go; the store keeps every object
    assert sorted(p.relative_to(store_dir) for p in store_dir.rglob("*") if p.is_file()) == before
    listed = _ok(run_mlspec("store", "gc", "--dry-run", cwd=root))
    for model in (v1, v2):
        assert model["digest"][7:] not in listed  # named by a deploy file in git history
    assert "stages/stored/train/" in listed  # the third model's stage index: unreferenced
    assert "nothing deleted" in listed
    assert sorted(p.relative_to(store_dir) for p in store_dir.rglob("*") if p.is_file()) == before

    # the artifacts are gone (no local state, no BentoML store): rollback to v1 and build it from the store
    env = _fresh_machine(root, tmp_path, "cd")
    rolled = _ok(run_mlspec("rollback", "--env", "staging", "--to", v1["version"], cwd=root, env=env))
    assert "roll" in rolled
    git("merge", "-q", "--no-edit", "mlspec/rollback/stored/staging", cwd=root)
    restored = yaml.safe_load((root / "deploy" / "staging.yaml").read_text())["model"]
    assert (restored["tag"], restored["digest"]) == (v1["tag"], v1["digest"])
    built = _ok(run_mlspec("build", "--env", "staging", cwd=root, env=env))
    assert f"imported model {v1['tag']} from" in built and ".mlspec/cache/store/" in built
    assert f"built for model {v1['tag']}" in built

    # the gate's champion and the drift monitor get a deployed model the same way (v2: not in this BentoML store)
    code = (
        "import sys; from pathlib import Path; from mlspec.state.deploy import DeployedModel; "
        "from mlspec.store.models import deployed_archive; "
        f"print(deployed_archive(Path.cwd(), DeployedModel.model_validate({v2!r})))"
    )
    fetched = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert hashlib.sha256(Path(fetched).read_bytes()).hexdigest() == v2["digest"][7:]
    code = code.replace(repr(v2), repr(v1))  # v1 is in the BentoML store now (built): nothing fetched
    assert (
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == "None"
    )
