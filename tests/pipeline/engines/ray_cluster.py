"""Real Ray clusters on 127.0.0.1 for the engine's tests: a `ray start --head` process group (2 CPUs) and a
2-node `ray.cluster_utils.Cluster` (a CPU-less head and one worker, so the job runs on the worker). Both are
torn down even when a test fails; start-up is time-boxed (the machine is small and shared)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

START_SECONDS = 360.0
OBJECT_STORE_BYTES = 100 * 1024 * 1024
BIN = Path(sys.executable).parent
QUICK_IMPORTS = Path(__file__).with_name("quick_imports")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ray_env() -> dict[str, str]:
    """The cluster's environment: this interpreter's `python` first on PATH (the job's entrypoint runs
    `python -m ...`), usage stats off, slow optional imports left out."""
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "RAY_USAGE_STATS_ENABLED": "0",
        # imports that make the node's agents too slow to start on a loaded machine, left out (quick_imports/)
        "PYTHONPATH": os.pathsep.join(filter(None, [str(QUICK_IMPORTS), os.environ.get("PYTHONPATH", "")])),
        # a raylet waits this long for its dashboard agent (15 s by default: too short on a loaded machine)
        "RAY_agent_register_timeout_ms": "180000",
    }


def jobs_api_up(address: str, until: float) -> bool:
    from ray.job_submission import JobSubmissionClient

    while time.monotonic() < until:
        try:
            JobSubmissionClient(address).list_jobs()
            return True
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(2)
    return False


def _raylet_crashed(temp: str) -> bool:
    """The raylet gave up (it waits only 15 s, a constant, for its dashboard agent to start on a loaded machine)."""
    return any("Check failed" in p.read_text(errors="replace") for p in Path(temp).glob("session_*/logs/raylet.out"))


def _head_ready(child: subprocess.Popen[bytes], temp: str, address: str, until: float) -> bool:
    """`ray start` said the node started and is still running, and the Jobs API answers; False as soon as the
    attempt failed."""
    log = Path(temp) / "head.log"
    while time.monotonic() < until and child.poll() is None and not _raylet_crashed(temp):
        if "Ray runtime started" in log.read_text(errors="replace"):
            return jobs_api_up(address, until) and child.poll() is None
        time.sleep(1)
    return False


STARTUP_NICENESS = -10


def _start_eagerly() -> None:
    """In the head's process (before exec): a higher CPU priority for its start-up, when allowed (root). The
    raylet gives its dashboard agent 15 s (a constant) to start, which a machine at load 10 on 2 cores exceeds
    every time; once the Jobs API answers the group is set back to normal priority (`_normal_priority`)."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, STARTUP_NICENESS)


def _normal_priority(group: int) -> None:
    """Every process of the head's group (and, through the raylet, the workers it starts later) at priority 0."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PGRP, group, 0)


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    for signum, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    try:  # what the group's processes left behind in it
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def ray_head(num_cpus: int = 2) -> Iterator[str]:
    """`ray start --head --block` in a process group of its own; yields the Jobs API address."""
    with tempfile.TemporaryDirectory(prefix="rh", dir="/tmp") as temp:
        child: subprocess.Popen[bytes] | None = None
        try:
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline:  # an attempt can fail on a loaded machine: start again
                shutil.rmtree(temp, ignore_errors=True)
                Path(temp).mkdir(exist_ok=True)
                dashboard = free_port()
                address = f"http://127.0.0.1:{dashboard}"
                argv = [
                    sys.executable, str(Path(__file__).with_name("patient_ray.py")), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
                    "--port", str(free_port()), "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dashboard),
                    "--include-dashboard", "true", "--num-cpus", str(num_cpus),
                    "--object-store-memory", str(OBJECT_STORE_BYTES), "--temp-dir", temp, "--disable-usage-stats",
                    # fixed agent ports: with port 0 the raylet waits only 15 s for the agents' port files
                    "--dashboard-agent-grpc-port", str(free_port()), "--dashboard-agent-listen-port", str(free_port()),
                    "--metrics-export-port", str(free_port()), "--runtime-env-agent-port", str(free_port()),
                ]  # fmt: skip
                log = open(Path(temp) / "head.log", "wb")  # noqa: SIM115 - closed with the folder
                child = subprocess.Popen(
                    argv,
                    env={**ray_env(), "PYTHONUNBUFFERED": "1"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_start_eagerly,  # noqa: PLW1509 - a single-threaded parent forks the head
                )
                if _head_ready(child, temp, address, deadline):
                    _normal_priority(child.pid)
                    break
                _stop_group(child)
                child = None
            if child is None:
                pytest.fail(f"the Ray head did not start within {START_SECONDS:.0f}s (machine too loaded?)")
            yield address
        finally:
            if child is not None:
                _stop_group(child)


def agent_ports() -> dict[str, int]:
    """Fixed ports of a node's agents (with 0 the raylet gives up after 15 s waiting for their port files)."""
    names = ("metrics_agent_port", "dashboard_agent_listen_port", "metrics_export_port", "runtime_env_agent_port")
    return {name: free_port() for name in names}


@contextmanager
def two_node_cluster(worker_cpus: int = 1) -> Iterator[tuple[Any, str]]:
    """A `ray.cluster_utils.Cluster`: a head without CPUs (it runs the Jobs API) and one worker; yields the
    cluster (to kill and add nodes) and the Jobs API address."""
    from ray.cluster_utils import Cluster

    from tests.pipeline.engines.patient_ray import be_patient

    be_patient()

    saved = dict(os.environ)
    os.environ.update(ray_env())  # the nodes inherit it
    dashboard = free_port()
    cluster = None
    try:
        cluster = Cluster(
            initialize_head=True,
            connect=False,
            head_node_args={
                "num_cpus": 0,
                "include_dashboard": True,
                "dashboard_host": "127.0.0.1",
                "dashboard_port": dashboard,
                "object_store_memory": OBJECT_STORE_BYTES,
                **agent_ports(),
            },
        )
        cluster.add_node(num_cpus=worker_cpus, object_store_memory=OBJECT_STORE_BYTES, **agent_ports())
        address = f"http://127.0.0.1:{dashboard}"
        if not jobs_api_up(address, time.monotonic() + START_SECONDS):
            pytest.fail(f"the 2-node Ray cluster's Jobs API did not answer within {START_SECONDS:.0f}s")
        yield cluster, address
    finally:
        if cluster is not None:
            cluster.shutdown()
        os.environ.clear()
        os.environ.update(saved)
