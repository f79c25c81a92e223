"""State that stays small (issue 14 item 5): `mlspec gc` keeps the newest runs, the latest one and every run a
deploy file references; the deepchecks HTML of a run stays within its budget; a hand-written spec gets
`.mlspec/` into `.gitignore` on its first run, and the run says so."""

from __future__ import annotations

import gzip
from pathlib import Path

from mlspec.state.retention import HTML_BUDGET, shrink_html
from tests.helpers import git, run_cli
from tests.pipeline.conftest import SPEC

DEPLOY = """\
project: synth
environment: staging
model: {{tag: "synth:{run}", version: "{run}", artifact: .mlspec/runs/{run}/model.bentomodel}}
lineage: {{run_id: {run}}}
"""


def _project(root: Path, runs: int) -> list[str]:
    (root / "data").mkdir(parents=True)
    (root / "mlproject.yaml").write_text(SPEC)
    ids = [f"20260101T0000{i:02d}000000Z-00001" for i in range(runs)]
    for run_id in ids:
        folder = root / ".mlspec" / "runs" / run_id
        folder.mkdir(parents=True)
        (folder / "record.json").write_text("{}")
        (folder / "data_tests.json").write_bytes(b"x" * 1000)
    return ids


def test_gc_keeps_newest_latest_and_deployed(tmp_path: Path) -> None:
    ids = _project(tmp_path, 8)
    (tmp_path / ".mlspec" / "runs" / "latest").write_text(ids[1] + "\n")  # e.g. a stage command continued it
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "staging.yaml").write_text(DEPLOY.format(run=ids[0]))
    dry = run_cli("gc", "--keep", "3", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would delete 3 runs (0.0 MB), keeping the newest 3 (")
    assert len(list((tmp_path / ".mlspec" / "runs").iterdir())) == 9
    done = run_cli("gc", "--keep", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert dry.stdout.splitlines()[1:4] == [f"  would delete {run_id}" for run_id in ids[2:5]]
    assert done.stdout.splitlines()[1:] == [
        *(f"  deleted {run_id}" for run_id in ids[2:5]),
        f"  kept {ids[0]}: referenced by deploy/staging.yaml",
        f"  kept {ids[1]}: referenced by runs/latest",
    ]
    left = sorted(p.name for p in (tmp_path / ".mlspec" / "runs").iterdir() if p.is_dir())
    assert left == [ids[0], ids[1], *ids[5:]]
    bad = run_cli("gc", "--keep", "0", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --keep 0: keep at least 1 run")


def test_gc_default_comes_from_the_spec(tmp_path: Path) -> None:
    ids = _project(tmp_path, 5)
    (tmp_path / "mlproject.yaml").write_text(SPEC + "state: {keep_runs: 2}\n")
    done = run_cli("gc", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deleted 3 runs (0.0 MB), keeping the newest 2 (")
    assert sorted(p.name for p in (tmp_path / ".mlspec" / "runs").iterdir()) == ids[3:]


def test_large_html_is_compressed_or_replaced(tmp_path: Path) -> None:
    small = tmp_path / "data_tests.html"
    small.write_text("<p>ok</p>")
    assert shrink_html(tmp_path, "data_tests.html") == "data_tests.html"
    (tmp_path / "model_tests.html").write_text("<div>" + "plotly figure data, " * 400_000 + "</div>")  # 8 MB
    assert shrink_html(tmp_path, "model_tests.html") == "model_tests.html.gz"
    assert not (tmp_path / "model_tests.html").exists()
    assert (tmp_path / "model_tests.html.gz").stat().st_size < HTML_BUDGET
    assert gzip.decompress((tmp_path / "model_tests.html.gz").read_bytes()).startswith(b"<div>plotly")
    import os

    (tmp_path / "data_tests.html").write_bytes(os.urandom(6 * 1024 * 1024))  # does not compress
    assert shrink_html(tmp_path, "data_tests.html") == "data_tests.html"
    page = (tmp_path / "data_tests.html").read_text()
    assert "was larger than mlspec keeps per run (2.6 MB, compressed)" in page and "data_tests.json" in page


def test_first_run_adds_mlspec_to_gitignore(tmp_path: Path) -> None:
    (tmp_path / "mlproject.yaml").write_text("apiVersion: mlspec/v1\nname: x\n")  # invalid: the run stops early
    git("init", "-q", "-b", "main", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("*.pyc")
    done = run_cli("run", cwd=tmp_path)
    assert done.stdout.startswith(
        "added .mlspec/ to .gitignore: mlspec keeps its runs and caches there, and they are not to be committed\n"
    )
    assert (tmp_path / ".gitignore").read_text() == (
        "*.pyc\n# mlspec's local state (runs, caches): never committed\n.mlspec/\n"
    )
    (tmp_path / ".mlspec" / "runs").mkdir(parents=True)
    again = run_cli("run", cwd=tmp_path)
    assert "added .mlspec/" not in again.stdout
    other = tmp_path / "sub"
    other.mkdir()
    (other / "mlproject.yaml").write_text("apiVersion: mlspec/v1\nname: y\n")
    assert "added .mlspec/" not in run_cli("run", cwd=other).stdout  # the parent's .gitignore covers it
