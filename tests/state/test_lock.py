"""The project lock (issue 23 item 8, mlspec/state/lock.py) with real processes: gc never deletes the folder of a
run in progress, a waiting process says for whom and gives up after MLSPEC_LOCK_TIMEOUT, a run and promote go
together, and a run killed with SIGKILL is marked interrupted by the next command instead of `running` forever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli, run_mlspec
from tests.pipeline.conftest import SPEC, write_project

HOLD = """\
import sys, time
from pathlib import Path
from mlspec.state.lock import project_lock
root, operation, ready = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
with project_lock(root, operation) as note_run:
    if operation == "run":
        note_run("20260101T000009000000Z-00009")
    ready.write_text("held")
    release, deadline = ready.with_suffix(".release"), time.monotonic() + float(sys.argv[4])
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def _holder(root: Path, operation: str, seconds: float) -> subprocess.Popen[str]:
    ready = root / f".ready-{operation}"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), operation, str(ready), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return child


def _project(root: Path, runs: int = 3) -> list[str]:
    (root / "data").mkdir(parents=True)
    (root / "mlproject.yaml").write_text(SPEC)
    ids = [f"20260101T0000{i:02d}000000Z-00001" for i in range(runs)]
    for run_id in ids:
        (root / ".mlspec" / "runs" / run_id).mkdir(parents=True)
    (root / ".mlspec" / "runs" / "latest").write_text(ids[-1] + "\n")
    return ids


def test_gc_gives_up_naming_the_run_that_holds_the_project(tmp_path: Path) -> None:
    ids = _project(tmp_path)
    holder = _holder(tmp_path, "run", 30)
    try:
        result = run_mlspec("gc", "--keep", "1", cwd=tmp_path, env={"MLSPEC_LOCK_TIMEOUT": "0.5"})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1, result.stderr
    assert f"waiting for mlspec run (run 20260101T000009000000Z-00009, pid {holder.pid}) to finish" in result.stderr
    assert f"error: waited 0.5s: mlspec run (run 20260101T000009000000Z-00009, pid {holder.pid}) is using" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (tmp_path / ".mlspec" / "runs").iterdir() if p.is_dir()) == ids  # nothing deleted
    after = run_mlspec("gc", "--keep", "1", cwd=tmp_path)  # the holder was killed: the OS released its lock
    assert after.returncode == 0, after.stderr
    assert sorted(p.name for p in (tmp_path / ".mlspec" / "runs").iterdir() if p.is_dir()) == ids[-1:]


def test_gc_waits_for_the_run_then_goes_on(tmp_path: Path) -> None:
    _project(tmp_path)
    holder = _holder(tmp_path, "run", 120)
    gc = subprocess.Popen(
        [sys.executable, "-m", "mlspec", "gc", "--keep", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert gc.stderr is not None
        first = gc.stderr.readline()  # gc says it waits, and waits, while the run holds the project
        assert first.startswith(f"waiting for mlspec run (run 20260101T000009000000Z-00009, pid {holder.pid}) to")
        assert gc.poll() is None
        (tmp_path / ".ready-run.release").write_text("done")  # the run ends
        out, err = gc.communicate(timeout=120)
    finally:
        holder.kill()
        holder.wait()
        if gc.poll() is None:
            gc.kill()
    assert gc.returncode == 0, err
    assert "waiting for" not in err  # said once, not per poll
    assert out.startswith("deleted 2 runs")


def test_a_run_waits_for_gc_and_promote_goes_with_a_run(tmp_path: Path) -> None:
    from mlspec.state.lock import project_lock

    _project(tmp_path)
    holder = _holder(tmp_path, "run", 30)
    try:
        with project_lock(tmp_path, "promote", environ={"MLSPEC_LOCK_TIMEOUT": "0"}):
            pass  # shared with the run: taken at once
        from mlspec.state.lock import LockTimeout

        with (
            pytest.raises(LockTimeout, match="mlspec run"),
            project_lock(tmp_path, "run", environ={"MLSPEC_LOCK_TIMEOUT": "0"}),
        ):
            pass  # one run at a time
    finally:
        holder.kill()
        holder.wait()
    gc_holder = _holder(tmp_path, "gc", 30)
    try:
        for operation in ("run", "promote"):
            with (
                pytest.raises(LockTimeout, match="mlspec gc"),
                project_lock(
                    tmp_path,
                    operation,
                    environ={"MLSPEC_LOCK_TIMEOUT": "0"},  # type: ignore[arg-type]
                ),
            ):
                pass
    finally:
        gc_holder.kill()
        gc_holder.wait()


def test_a_bad_timeout_is_a_usage_error(tmp_path: Path) -> None:
    _project(tmp_path)
    result = run_cli("gc", cwd=tmp_path, env={"MLSPEC_LOCK_TIMEOUT": "soon"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: MLSPEC_LOCK_TIMEOUT='soon' is not a number from 0 up")


BLOCKING_TRAIN = """\
import os, time
from pathlib import Path
from sklearn.linear_model import LogisticRegression


def train(X, y, params):
    Path({started!r}).write_text(str(os.getpid()))
    deadline = time.time() + 120
    while not Path({go!r}).exists() and time.time() < deadline:
        time.sleep(0.05)
    return LogisticRegression(max_iter=200).fit(X, y)
"""


@pytest.mark.slow
def test_gc_leaves_a_run_in_progress_and_a_killed_run_is_marked_interrupted(tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    root = write_project(tmp_path / "synth", train_py=BLOCKING_TRAIN.format(started=str(started), go=str(go)))
    run = subprocess.Popen(
        [sys.executable, "-m", "mlspec", "train"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    trainer = None
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        trainer = int(started.read_text())
        runs = root / ".mlspec" / "runs"
        (in_progress,) = [p for p in runs.iterdir() if p.is_dir()]
        # a newer finished run is `latest`: before the lock, `gc --keep 1` deleted the folder being written
        newer = runs / "29990101T000000000000Z-00001"
        newer.mkdir()
        (runs / "latest").write_text(newer.name + "\n")
        gc = run_mlspec("gc", "--keep", "1", cwd=root, env={"MLSPEC_LOCK_TIMEOUT": "1"})
        assert in_progress.is_dir() and (in_progress / "train.log").exists(), gc.stdout
        assert gc.returncode == 1, gc.stdout + gc.stderr
        assert f"mlspec run (run {in_progress.name}, pid {run.pid})" in gc.stderr
        assert json.loads((in_progress / "record.json").read_text())["status"] == "running"  # saved before stage 1
        status = run_mlspec("status", cwd=root)  # the run holds its lock: its record is left as it is
        assert "interrupted" not in status.stdout
        assert json.loads((in_progress / "record.json").read_text())["status"] == "running"

        run.send_signal(signal.SIGKILL)
        run.wait()
        os.kill(trainer, signal.SIGKILL)  # the training process (its own process group) is not ours to leave
        trainer = None

        status = run_mlspec("status", cwd=root)
        assert status.returncode == 0, status.stderr
        assert f"run {in_progress.name} was left running by a process that ended: marked interrupted" in (status.stdout)
        record = json.loads((in_progress / "record.json").read_text())
        assert record["status"] == "interrupted" and record["finished"]
        assert record["warnings"][-1].startswith("interrupted: the process running it ended before the run finished")
        gc = run_mlspec("gc", "--keep", "1", cwd=root, env={"MLSPEC_LOCK_TIMEOUT": "0"})
        assert gc.returncode == 0, gc.stderr  # the kill released the lock
        assert not in_progress.exists()  # an interrupted run is an ordinary old run now
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        if trainer is not None:
            try:
                os.kill(trainer, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_promote_waits_for_gc(tmp_path: Path) -> None:
    _project(tmp_path)
    holder = _holder(tmp_path, "gc", 30)
    try:
        result = run_mlspec("promote", "--env", "staging", cwd=tmp_path, env={"MLSPEC_LOCK_TIMEOUT": "0"})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: mlspec gc (pid {holder.pid}) is using .mlspec (mlspec promote cannot")
