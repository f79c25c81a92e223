"""Data outside git (issue 14 item 3), for real: DVC with a local remote (a folder) and an S3-compatible
server (moto) on 127.0.0.1. Fingerprints come from the DVC file / the object's version without reading
the file; a new DVC hash or object version is a data change that reruns training."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.helpers import git, run_mlspec
from tests.moto_s3 import moto_s3_server

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it

DVC = Path(sys.executable).with_name("dvc")

SPEC = """\
apiVersion: mlspec/v1
name: outside
data:
  train: {train}
  test: {test}
  label: price
  categorical: [district]
{extra}train:
  entrypoint: src/train.py:train
  params: {{n_estimators: 10, max_depth: 4}}
evaluate:
  task: regression
  metrics: [r2, mae]
tests:
  data: {{enabled: false}}
  model: {{enabled: false}}
gates:
  - {{metric: r2, min: -100}}
environments:
  - name: staging
"""

REGRESSOR_PY = """\
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder


def train(X, y, params):
    encode = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1), ["district"]),
        remainder="passthrough")
    return make_pipeline(encode, HistGradientBoostingRegressor(max_iter=params["n_estimators"], random_state=0)).fit(X, y)
"""


def messy_frame(rows: int, seed: int) -> pd.DataFrame:
    """Numbers with missing values, a string categorical with missing values, a datetime-like string."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(30, 200, rows).round(1)
    lot = np.where(rng.random(rows) < 0.3, np.nan, rng.uniform(100, 900, rows).round(0))
    district = rng.choice(["north", "south", "east", None], rows, p=[0.3, 0.3, 0.3, 0.1])
    price = area * 1000 + np.nan_to_num(lot, nan=300) * 50 + rng.normal(0, 5000, rows)
    return pd.DataFrame({"area": area, "lot_sqft": lot, "district": district, "price": price.round(2)})


def dvc(*args: str, cwd: Path) -> str:
    done = subprocess.run([str(DVC), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def dvc_md5(dvc_file: Path) -> str:
    return yaml.safe_load(dvc_file.read_text())["outs"][0]["md5"]


@pytest.fixture
def dvc_project(tmp_path: Path) -> Path:
    if not DVC.exists():
        pytest.skip("dvc is not installed in this environment (make setup installs it)")
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    dvc("init", "-q", cwd=root)
    dvc("config", "core.analytics", "false", cwd=root)
    dvc("remote", "add", "-d", "storage", str(tmp_path / "remote"), cwd=root)
    messy_frame(600, 1).to_csv(root / "data" / "train.csv", index=False)
    messy_frame(300, 2).to_csv(root / "data" / "test.csv", index=False)
    dvc("add", "data/train.csv", "data/test.csv", cwd=root)
    dvc("push", "-q", cwd=root)
    (root / "mlproject.yaml").write_text(
        SPEC.format(train="data/train.csv", test="data/test.csv", extra="  dvc: {remote: storage}\n")
    )
    (root / "src" / "train.py").write_text(REGRESSOR_PY)
    git("add", ".", cwd=root)
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "data in DVC", cwd=root)
    return root


def test_dvc_pull_fingerprint_and_a_new_hash_retrains(dvc_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dvc_project
    # a fresh clone has the DVC files but not the data: validate accepts that, `mlspec pull` fetches exactly those
    (root / "data" / "train.csv").unlink()
    (root / "data" / "test.csv").unlink()
    assert run_mlspec("validate", cwd=root).returncode == 0
    pulled = run_mlspec("pull", cwd=root)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout == "pulled 2 DVC-tracked data files: data/train.csv, data/test.csv\n"
    assert (root / "data" / "train.csv").is_file()

    # the fingerprint is DVC's hash, found without reading the file
    from mlspec.pipeline import fingerprint
    from mlspec.pipeline.cache import compute_inputs
    from mlspec.pipeline.fingerprint import StatCache
    from mlspec.spec.validate import load_spec
    from mlspec.state.layout import StateLayout

    real_hash = fingerprint.hash_file

    def no_reading(path: Path, *args: object) -> str:
        assert Path(path).suffix != ".csv", f"the DVC-tracked file {path} was read to fingerprint it"
        return real_hash(path, *args)

    monkeypatch.setattr(fingerprint, "hash_file", no_reading)
    loaded = load_spec(root / "mlproject.yaml")
    inputs = compute_inputs(loaded, StatCache(StateLayout(root).stat_cache))
    md5 = dvc_md5(root / "data" / "train.csv.dvc")
    assert inputs.files["data/train.csv"][0] == f"dvc-md5:{md5}"
    monkeypatch.undo()

    first = run_mlspec("run", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    record = yaml.safe_load(
        (root / ".mlspec" / "runs" / first.stdout.split("run ")[1].split(":")[0] / "record.json").read_text()
    )
    assert {d["role"]: d["digest"] for d in record["data"]}["train"] == f"dvc-md5:{md5}"

    # new data through DVC: the .dvc file's hash changes, training reruns and the run says which data changed
    messy_frame(650, 3).to_csv(root / "data" / "train.csv", index=False)
    dvc("add", "data/train.csv", cwd=root)
    assert dvc_md5(root / "data" / "train.csv.dvc") != md5
    second = run_mlspec("run", cwd=root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (
        "changes since the previous run: data/train.csv (+50 rows (600 -> 650); DVC data/train.csv.dvc: md5 "
        in second.stdout
    )
    assert "  train        passed" in second.stdout


def test_dvc_pull_failure_says_what_to_do(dvc_project: Path, tmp_path: Path) -> None:
    root = dvc_project
    shutil.rmtree(tmp_path / "remote")
    (root / "data" / "train.csv").unlink()
    shutil.rmtree(root / ".dvc" / "cache", ignore_errors=True)
    done = run_mlspec("pull", cwd=root)
    assert done.returncode == 1
    assert done.stderr.startswith("error: data: `dvc pull data/train.csv data/test.csv` failed (exit 1)")
    assert "hint: check the DVC remote's address and its credentials (in CI: data.credentials)" in done.stderr
    assert "Traceback" not in done.stderr
    run = run_mlspec("run", cwd=root)
    assert run.returncode == 1
    assert (
        "data.train: file data/train.csv is tracked by DVC (DVC data/train.csv.dvc) but is not in the workspace"
        in run.stdout + run.stderr
    )


# ----------------------------------------------------------------------------- S3 (moto server)


@pytest.fixture
def s3_server():
    with moto_s3_server() as env:
        yield env


def test_s3_object_version_is_the_fingerprint_and_cache_key(
    s3_server: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    for key, value in s3_server.items():
        monkeypatch.setenv(key, value)
    s3 = boto3.client("s3", endpoint_url=s3_server["AWS_ENDPOINT_URL"])
    s3.create_bucket(Bucket="houses")
    s3.put_bucket_versioning(Bucket="houses", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="houses", Key="v/train.csv", Body=messy_frame(500, 1).to_csv(index=False).encode())
    s3.put_object(Bucket="houses", Key="v/test.csv", Body=messy_frame(250, 2).to_csv(index=False).encode())
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=root)
    (root / "src" / "train.py").write_text(REGRESSOR_PY)
    (root / "mlproject.yaml").write_text(
        SPEC.format(
            train="s3://houses/v/train.csv",
            test="s3://houses/v/test.csv",
            extra="  credentials: {AWS_ACCESS_KEY_ID: DATA_KEY, AWS_SECRET_ACCESS_KEY: DATA_SECRET}\n",
        )
    )

    first = run_mlspec("run", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    version = s3.head_object(Bucket="houses", Key="v/train.csv")["VersionId"]
    run_id = first.stdout.split("run ")[1].split(":")[0]
    record = yaml.safe_load((root / ".mlspec" / "runs" / run_id / "record.json").read_text())
    assert {d["role"]: d["digest"] for d in record["data"]}["train"] == f"version:{version}"
    cached = sorted(p.name for p in (root / ".mlspec" / "cache" / "remote").rglob("*.csv"))
    assert cached == ["test.csv", "train.csv"]

    assert run_mlspec("run", cwd=root).stdout.startswith("up to date")  # same versions: nothing downloaded again

    s3.put_object(Bucket="houses", Key="v/train.csv", Body=messy_frame(520, 5).to_csv(index=False).encode())
    third = run_mlspec("run", cwd=root)
    assert third.returncode == 0, third.stdout + third.stderr
    assert (
        "changes since the previous run: s3://houses/v/train.csv (+20 rows (500 -> 520); object version "
        in third.stdout
    )
    assert len(list((root / ".mlspec" / "cache" / "remote").rglob("train.csv"))) == 2  # one copy per version

    missing = SPEC.format(train="s3://houses/v/nope.csv", test="s3://houses/v/test.csv", extra="")
    (root / "mlproject.yaml").write_text(missing)
    done = run_mlspec("run", cwd=root)
    assert done.returncode == 1
    assert "data.train: s3://houses/v/nope.csv does not exist" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
