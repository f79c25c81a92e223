"""The Ray engine: the train stage's training code submitted as a Ray Job (`ray.job_submission`) to a cluster.

What moves: only training. mlspec stages a copy of the project's code (git's tracked and unignored files, or
the spec's folder without caches, virtualenvs and the state folder) with the stage's data under `_mlspec_job/`
as the job's `working_dir`, adds itself and cloudpickle as `py_modules`, and runs
`python -m mlspec.pipeline.engines.ray_job` there. The model comes back through the job's log (base64 lines with
size and sha256, `ray_job`), so it works with any cluster the Jobs API reaches, with no shared filesystem or
object store access; it is then loaded exactly as after local training.

While the job runs mlspec polls its status and log by job id, writes the log to the run's train.log and echoes
it to the stage output. A lost connection is retried by job id; past the timeout, on SIGINT or SIGTERM the job
is stopped; a job whose node was lost is submitted again up to `max_retries` times. The job id is written under
the stage's state before each submission (`ray_ledger`): an mlspec process that dies while the job runs is
followed by one that waits for the same job, for the same inputs, instead of submitting another.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError
from mlspec.pipeline.engines.ray_job import MARK
from mlspec.pipeline.engines.ray_ledger import RESUMABLE, JobLedger, RecordedJob, cluster_digest, ledger_path
from mlspec.state.layout import STATE_DIR

JOB_DIR = "_mlspec_job"
POLL_SECONDS = 1.0
RECONNECT_SECONDS = 300.0  # how long a lost connection is retried before the stage gives up
STOP_WAIT_SECONDS = 60.0
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", STATE_DIR}
# The job failed because the node running it went away, not because of the training code.
NODE_LOST = {"JOB_SUPERVISOR_ACTOR_DIED", "JOB_SUPERVISOR_ACTOR_UNKNOWN_FAILURE"}
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


class RayJobError(MlspecError):
    """The Ray cluster could not be reached or the job could not run."""


class _Terminated(BaseException):
    """SIGTERM arrived while mlspec waited for the job."""


@dataclass
class Outcome:
    job_id: str
    status: str
    message: str
    error_type: str | None
    log: str = ""
    model: bytes | None = None
    failure: dict[str, Any] | None = None


@dataclass
class _LogReader:
    """Splits the job's log into what is shown (and written to train.log) and mlspec's result lines."""

    log_file: Any
    echo: bool = True
    seen: int = 0
    partial: str = ""
    shown: list[str] = field(default_factory=list)
    header: tuple[int, str] | None = None
    chunks: list[str] = field(default_factory=list)
    complete: bool = False
    failure: dict[str, Any] | None = None

    def finish(self) -> None:
        """The job ended and its log cannot be read further: the unfinished last line counts as it is."""
        if self.partial:
            self._line(self.partial)
            self.partial = ""

    def feed(self, full_log: str, final: bool = False) -> None:
        text, self.seen = self.partial + full_log[self.seen :], len(full_log)
        lines = text.split("\n")
        self.partial = lines.pop()  # an unfinished line waits for the rest, unless the job ended
        if final and self.partial:
            lines.append(self.partial)
            self.partial = ""
        for line in lines:
            self._line(line)

    def _line(self, line: str) -> None:
        if line.startswith(MARK):
            kind, _, rest = line[len(MARK) :].partition(" ")
            if kind == "b64":
                self.chunks.append(rest)
            elif kind == "model":
                size, digest = rest.split()
                self.header, self.chunks, self.complete = (int(size), digest), [], False
            elif kind == "end":
                self.complete = True
            elif kind == "failure":
                self.failure = json.loads(rest)
            return
        self.shown.append(line)
        self.log_file.write(line + "\n")
        self.log_file.flush()
        if self.echo and line.strip():
            print(f"  ray | {line}", file=sys.stderr, flush=True)

    def model(self) -> bytes | None:
        if self.header is None or not self.complete:
            return None
        data = base64.b64decode("".join(self.chunks))
        size, digest = self.header
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise RayJobError(
                f"the model from the Ray job arrived damaged ({len(data)} of {size} bytes, digest mismatch)",
                hint="run the stage again; if it persists, check the cluster's log size limits",
            )
        return data


def _note(text: str) -> None:
    print(f"mlspec: {text}", file=sys.stderr, flush=True)


def _tracked_files(root: Path) -> list[Path] | None:
    """The files a commit would carry (tracked, and untracked unignored), relative to ``root``; None outside git."""
    from mlspec import git

    listed = git.listed_files(root)
    return None if listed is None else [Path(name) for name in listed]


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield (Path(folder) / name).relative_to(root)


def stage_project(root: Path, dest: Path, skip: set[Path]) -> Path:
    """Copy the project's code under ``root`` into ``dest`` (skipping the absolute paths in ``skip``: the data
    files, which travel as the stage's data instead)."""
    files = _tracked_files(root)
    relative = files if files is not None else list(_walk(root))
    dest.mkdir(parents=True)
    for rel in relative:
        source = root / rel
        if rel.parts and (rel.parts[0] in SKIPPED_DIRS or rel.parts[0] == JOB_DIR):
            continue
        if source.resolve() in skip or not source.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (dest / JOB_DIR).mkdir()
    return dest


def _package_dir(name: str) -> str:
    import importlib

    module = importlib.import_module(name)
    assert module.__file__ is not None
    return str(Path(module.__file__).parent)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) interrupts the wait like SIGINT, so the Ray job is stopped."""

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _within(seconds: float, call: Any) -> Any:
    """``call()``'s result, or None when it raised or did not return within ``seconds`` (it then runs on in a
    daemon thread: the Ray client's HTTP calls have no timeout of their own)."""
    box: list[Any] = []

    def run() -> None:
        with contextlib.suppress(Exception):
            box.append(call())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return box[0] if box else None


def _is_connection_error(exc: BaseException) -> bool:
    """A network failure (the request may not have arrived), not an answer of the cluster."""
    import requests

    return isinstance(exc, (ConnectionError, TimeoutError, requests.ConnectionError, requests.Timeout))


def _job_exists(client: Any, job_id: str) -> bool:
    try:
        client.get_job_info(job_id)
        return True
    except Exception:  # noqa: BLE001 - unknown id or still unreachable
        return False


class RayTrainEngine:
    name = "ray"

    def __init__(
        self, settings: Any, loaded: Any = None, *, echo: bool = True, inputs_digest: str | None = None
    ) -> None:
        self.settings = settings
        self.loaded = loaded
        self.echo = echo
        self.inputs_digest = inputs_digest
        self.last_job_id: str | None = None
        self._ledger: JobLedger | None = None
        self._first_submitted: float | None = None
        self._attempt = 0

    def trained_where(self) -> str:
        return f", trained on Ray as job {self.last_job_id}" if self.last_job_id else ""

    # ------------------------------------------------------------------ the two forms of training code

    def train_entrypoint(
        self,
        root: Path,
        entrypoint: str,
        tables: Any,
        params: dict[str, Any],
        log_path: Path,
        timeout_minutes: float | None,
    ) -> Any:
        from mlspec.pipeline import training
        from mlspec.usercode import entrypoint_folders

        where = f"train.entrypoint {entrypoint}"
        with tempfile.TemporaryDirectory(prefix="mlspec-ray-") as tmp, self._forgotten_after():
            work = stage_project(root, Path(tmp) / "work", self._data_paths())
            data = {"train": tables.train, "features": list(tables.features), "label": tables.label, "params": params}
            (work / JOB_DIR / "data.pkl").write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            self._write_job(work, {"form": "entrypoint", "entrypoint": entrypoint})
            outcome = self.run_job(work, where, log_path, timeout_minutes)
            if outcome.failure is not None:
                raise training._failure(where, outcome.failure, outcome.log, log_path)
            path = self._model_file(outcome, where, Path(tmp))
            return training._load_pickle(path, root, where, entrypoint_folders(root, entrypoint))

    def train_command(
        self,
        root: Path,
        command: str,
        train_path: Path,
        test_path: Path,
        params: dict[str, Any],
        seed: int,
        work_dir: Path,
        log_path: Path,
        timeout_minutes: int,
    ) -> Any:
        from mlspec.pipeline import training
        from mlspec.usercode import command_folders

        where = "train.command"
        with tempfile.TemporaryDirectory(prefix="mlspec-ray-") as tmp, self._forgotten_after():
            work = stage_project(root, Path(tmp) / "work", self._data_paths() | {train_path.resolve()})
            folder = work / JOB_DIR
            names = {"train": "train" + "".join(train_path.suffixes), "test": "test" + "".join(test_path.suffixes)}
            shutil.copy2(train_path, folder / names["train"])
            shutil.copy2(test_path, folder / names["test"])
            (folder / "params.json").write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", "utf-8")
            self._write_job(work, {"form": "command", "command": command, "seed": seed, **names})
            outcome = self.run_job(work, where, log_path, timeout_minutes)
            if outcome.failure is not None and "exit" in outcome.failure:
                raise training.TrainingError(
                    f"train.command exited with code {outcome.failure['exit']} on the Ray cluster (job "
                    f"{outcome.job_id}); the previous model is unchanged" + training._last_lines(outcome.log)
                )
            if outcome.status == "SUCCEEDED" and outcome.model is None:
                raise training.TrainingError(
                    "train.command succeeded but wrote no model to $MLSPEC_MODEL_OUT",
                    hint="pickle the fitted model to the path in the MLSPEC_MODEL_OUT environment variable",
                )
            path = self._model_file(outcome, where, Path(tmp))
            return training._load_pickle(path, root, where, command_folders(root, command))

    # ------------------------------------------------------------------ submitting and waiting

    def _data_paths(self) -> set[Path]:
        if self.loaded is None:
            return set()
        from mlspec.pipeline.data import data_files

        return {ref.path.resolve() for ref in data_files(self.loaded) if isinstance(ref.path, Path)}

    @staticmethod
    def _write_job(work: Path, job: dict[str, Any]) -> None:
        (work / JOB_DIR / "job.json").write_text(json.dumps(job), encoding="utf-8")

    def _model_file(self, outcome: Outcome, where: str, tmp: Path) -> Path:
        from mlspec.pipeline import training

        if outcome.model is None:
            raise training.TrainingError(
                f"{where} ended on the Ray cluster as {outcome.status} (job {outcome.job_id}) without returning a "
                f"model; the stage failed and the previous model is unchanged"
                + (f"\n  Ray: {outcome.message.strip()}" if outcome.message else "")
                + training._last_lines(outcome.log)
            )
        path = tmp / "model.pkl"
        path.write_bytes(outcome.model)
        return path

    def address(self) -> str:
        name = self.settings.address
        value = os.environ.get(name, "").strip()
        if not value:
            raise RayJobError(
                f"train.engine.ray.address: the environment variable {name} is not set; it holds the Ray Jobs "
                "address of the cluster",
                hint=f"export {name}=http://<ray-head>:8265 (in CI: a repository secret named {name})",
            )
        return value

    def client(self) -> Any:
        try:
            from ray.job_submission import JobSubmissionClient
        except ImportError:
            raise RayJobError(
                "train.engine.ray needs the Ray client: `ray[default]` is not installed",
                hint=f"pip install '{self.settings.package}' (the rendered workflows install it for the train step)",
            ) from None
        try:
            return JobSubmissionClient(self.address())
        except MlspecError:
            raise
        except Exception as exc:  # noqa: BLE001 - connection refused, DNS, TLS: worded by the client library
            raise RayJobError(
                f"cannot reach the Ray cluster named by {self.settings.address}: {type(exc).__name__}: {exc}",
                hint="check the address (the head's dashboard port, 8265 by default) and that the cluster runs",
            ) from None

    def runtime_env(self, work: Path) -> dict[str, Any]:
        runtime_env = dict(self.settings.runtime_env)
        runtime_env["working_dir"] = str(work)
        runtime_env["py_modules"] = [
            *runtime_env.get("py_modules", []),
            _package_dir("mlspec"),
            _package_dir("cloudpickle"),
        ]
        runtime_env["excludes"] = [*runtime_env.get("excludes", []), "__pycache__"]
        runtime_env["env_vars"] = {**runtime_env.get("env_vars", {}), "PYTHONUNBUFFERED": "1"}
        return runtime_env

    def resources(self) -> dict[str, Any]:
        wanted = dict(self.settings.entrypoint_resources)
        found: dict[str, Any] = {}
        if "CPU" in wanted:
            found["entrypoint_num_cpus"] = wanted.pop("CPU")
        if "GPU" in wanted:
            found["entrypoint_num_gpus"] = wanted.pop("GPU")
        if "memory" in wanted:
            found["entrypoint_memory"] = int(wanted.pop("memory"))
        if wanted:
            found["entrypoint_resources"] = wanted
        return found

    def ledger(self) -> JobLedger | None:
        """Where this stage's job id is kept between processes: only for a train stage of a project (the
        inputs digest known), not for the engine used on its own."""
        if self.loaded is None or not self.inputs_digest:
            return None
        path = ledger_path(self.loaded.root, self.inputs_digest)
        return JobLedger(path, self.inputs_digest, cluster_digest(self.address()))

    def resumable(self, client: Any, ledger: JobLedger | None) -> RecordedJob | None:
        """The job an earlier mlspec process submitted for these inputs, when it is still pending, running or
        succeeded on the cluster; None (submit anew) when there is none or it failed, was stopped or is unknown."""
        recorded = ledger.recorded() if ledger is not None else None
        if recorded is None:
            return None
        try:
            info = client.get_job_info(recorded.job_id)
        except Exception:  # noqa: BLE001 - unknown to this cluster (restarted, another head): submit anew
            _note(f"Ray job {recorded.job_id} of an earlier mlspec process is unknown to the cluster; submitting anew")
            return None
        status = str(getattr(info.status, "value", info.status))
        if status not in RESUMABLE:
            _note(f"Ray job {recorded.job_id} of an earlier mlspec process ended {status}; submitting anew")
            return None
        return recorded

    def submit(self, client: Any, work: Path) -> str:
        job_id = f"mlspec-train-{uuid.uuid4().hex[:12]}"
        if self._first_submitted is None:
            self._first_submitted = time.time()
        if self._ledger is not None:  # before the submission: a process killed right after it is followed
            self._ledger.record(job_id, self._first_submitted, self._attempt)
        import logging

        for name in ("ray", "ray.dashboard.modules.dashboard_sdk"):  # its upload notes are not the stage's output
            logging.getLogger(name).setLevel(logging.WARNING)
        previous = os.environ.get("RAY_RUNTIME_ENV_IGNORE_GITIGNORE")
        os.environ["RAY_RUNTIME_ENV_IGNORE_GITIGNORE"] = "1"  # the staged copy is already what should go
        until = time.monotonic() + RECONNECT_SECONDS
        try:
            while True:
                try:
                    return str(
                        client.submit_job(
                            entrypoint=f"python -m mlspec.pipeline.engines.ray_job {JOB_DIR}/job.json",
                            submission_id=job_id,
                            runtime_env=self.runtime_env(work),
                            metadata={"mlspec": "train", "mlspec_inputs": self.inputs_digest or ""},
                            **self.resources(),
                        )
                    )
                except Exception as exc:  # noqa: BLE001 - rejected by the cluster (runtime_env, resources, size)
                    if _is_connection_error(exc) and time.monotonic() < until:
                        if _job_exists(client, job_id):  # the submission arrived; its answer did not
                            return job_id
                        _note(f"the Ray cluster did not answer the submission ({type(exc).__name__}); trying again")
                        time.sleep(3.0)
                        continue
                    raise RayJobError(
                        f"the Ray cluster refused the training job: {type(exc).__name__}: {str(exc).strip()[:2000]}",
                        hint="check train.engine.ray (runtime_env, entrypoint_resources) against the cluster",
                    ) from None
        finally:
            if previous is None:
                os.environ.pop("RAY_RUNTIME_ENV_IGNORE_GITIGNORE", None)
            else:
                os.environ["RAY_RUNTIME_ENV_IGNORE_GITIGNORE"] = previous

    def run_job(self, work: Path, where: str, log_path: Path, timeout_minutes: float | None) -> Outcome:
        """Submit, wait and collect; again after a lost node, up to max_retries times. A job an earlier mlspec
        process submitted for the same inputs and still running (or succeeded) is waited for instead."""
        minutes = self.settings.timeout_minutes or timeout_minutes
        log_path.parent.mkdir(parents=True, exist_ok=True)
        client = self.client()
        print(file=sys.stderr, flush=True)  # the stage's progress line waits on its own line, not before a note
        self._ledger = ledger = self.ledger()
        resumed = self.resumable(client, ledger)
        self._first_submitted = resumed.first_submitted if resumed is not None else None
        start = resumed.attempt if resumed is not None else 0
        # the timeout counts from the first submission, also across mlspec processes
        elapsed = time.time() - resumed.first_submitted if resumed is not None else 0.0
        deadline = time.monotonic() - max(0.0, elapsed) + float(minutes) * 60 if minutes else None
        with open(log_path, "w", encoding="utf-8") as log_file:
            return self._attempts(client, work, where, log_file, deadline, minutes, resumed, start)

    @contextlib.contextmanager
    def _forgotten_after(self) -> Iterator[None]:
        """The recorded job id is removed once the stage has the job's model or failure (or stopped it); kept
        when the cluster stayed unreachable (the job may still run: the next process waits for it again)."""
        try:
            yield
        except RayJobError:
            raise
        except BaseException:
            if self._ledger is not None:
                self._ledger.clear()
            raise
        if self._ledger is not None:
            self._ledger.clear()

    def _attempts(
        self,
        client: Any,
        work: Path,
        where: str,
        log_file: Any,
        deadline: float | None,
        minutes: float | None,
        resumed: RecordedJob | None,
        start: int,
    ) -> Outcome:
        for attempt in range(start, max(start, self.settings.max_retries) + 1):
            self._attempt = attempt
            if resumed is not None and attempt == start:
                job_id = resumed.job_id
                _note(f"waiting again for Ray job {job_id}, submitted by an earlier mlspec process for these inputs")
            else:
                job_id = self.submit(client, work)
                _note(f"submitted training to Ray as job {job_id}" + (f" (attempt {attempt + 1})" if attempt else ""))
            self.last_job_id = job_id
            log_file.write(f"mlspec: Ray job {job_id}\n")
            outcome = self.wait(client, job_id, log_file, deadline, minutes, where)
            if outcome.status != "FAILED" or outcome.error_type not in NODE_LOST or outcome.failure:
                return outcome
            if attempt < self.settings.max_retries:
                _note(
                    f"Ray job {job_id} lost its node ({outcome.message.strip()}); submitting again "
                    f"({attempt + 1} of train.engine.ray.max_retries {self.settings.max_retries})"
                )
        outcome.message = (
            f"{outcome.message.strip()} (a node running the job was lost; "
            f"{self.settings.max_retries} retries by train.engine.ray.max_retries)"
        )
        return outcome

    def wait(
        self, client: Any, job_id: str, log_file: Any, deadline: float | None, minutes: float | None, where: str
    ) -> Outcome:
        reader = _LogReader(log_file, echo=self.echo)
        status = ""
        lost_since: float | None = None
        try:
            with _sigterm_raises():
                while True:
                    try:
                        info = client.get_job_info(job_id)
                    except Exception as exc:  # noqa: BLE001 - connection trouble: wait for the job by its id again
                        lost_since = lost_since or time.monotonic()
                        if time.monotonic() - lost_since > RECONNECT_SECONDS:
                            raise RayJobError(
                                f"lost the connection to the Ray cluster for {RECONNECT_SECONDS:.0f}s while waiting "
                                f"for job {job_id} ({type(exc).__name__}); the job may still run",
                                hint=f"`ray job status {job_id}` / `ray job stop {job_id}` with RAY_ADDRESS set",
                            ) from None
                        _note(
                            f"lost the connection to the Ray cluster ({type(exc).__name__}); waiting for job {job_id} again"
                        )
                        time.sleep(min(10.0, 1.0 + time.monotonic() - lost_since))
                        client = self._reconnect(client)
                        continue
                    lost_since = None
                    current = str(getattr(info.status, "value", info.status))
                    self._read_log(client, job_id, reader, final=current in TERMINAL)
                    if current != status:
                        status = current
                        _note(f"Ray job {job_id}: {status}")
                    if current in TERMINAL:
                        return Outcome(
                            job_id=job_id,
                            status=current,
                            message=info.message or "",
                            error_type=str(getattr(info.error_type, "value", info.error_type) or "") or None,
                            log="\n".join(reader.shown),
                            model=reader.model(),
                            failure=reader.failure,
                        )
                    if deadline is not None and time.monotonic() > deadline:
                        self.stop(client, job_id)
                        from mlspec.pipeline.training import TrainingError, _last_lines

                        stopped = f"stopped after the training timeout ({minutes} minutes)"
                        log_file.write(f"mlspec: {stopped}\n")
                        raise TrainingError(
                            f"{where} raised TimeoutError: Ray job {job_id} {stopped}\n"
                            "  the previous model is unchanged" + _last_lines("\n".join(reader.shown))
                        )
                    time.sleep(POLL_SECONDS)
        except (KeyboardInterrupt, _Terminated):
            _note(f"interrupted: stopping Ray job {job_id}")
            self.stop(client, job_id)
            raise KeyboardInterrupt from None

    @staticmethod
    def _read_log(client: Any, job_id: str, reader: _LogReader, final: bool) -> None:
        """The job's new log lines; the log of a job whose node is gone may not be readable any more: then
        what was read so far stands (the job's status says how it ended)."""
        try:
            reader.feed(client.get_job_logs(job_id), final=final)
        except Exception as exc:  # noqa: BLE001 - the node serving the log is unreachable
            if final:
                reader.finish()
                _note(f"the log of Ray job {job_id} could not be read to its end ({type(exc).__name__})")

    def _reconnect(self, client: Any) -> Any:
        try:
            return self.client()
        except RayJobError:
            return client

    def stop(self, client: Any, job_id: str) -> None:
        """Stop the job and wait (a bounded time) until the cluster says it ended."""
        until = time.monotonic() + STOP_WAIT_SECONDS
        while time.monotonic() < until:
            # each call to the dashboard gets its own deadline: one that hangs must not hold the stop past `until`
            _within(max(1.0, until - time.monotonic()), lambda: client.stop_job(job_id))
            status = _within(
                max(1.0, until - time.monotonic()), lambda: str(getattr(client.get_job_status(job_id), "value", ""))
            )
            if status in TERMINAL:
                _note(f"Ray job {job_id}: {status}")
                return
            time.sleep(1.0)
        _note(
            f"Ray job {job_id} did not confirm it stopped within {STOP_WAIT_SECONDS:.0f}s; stop it with `ray job stop {job_id}`"
        )
