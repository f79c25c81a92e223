"""One project's lock: runs, gc and promote of one spec never pull a run folder from under each other.

Two OS file locks (``fcntl.flock``) under ``.mlspec/locks/``. The OS releases them when the process ends, on a
normal exit as on SIGKILL, so a lock is never left behind:

    state.lock   shared by a run and by promote (they add or read runs); exclusive for gc (it deletes runs)
    run.lock     exclusive for a run (`mlspec run`, `train`, `evaluate`, `test data|model|serving`): one process at a
                 time writes a project's records, `runs/latest` and caches

So: gc waits for every run and promote and they wait for gc; a run waits for another run; promote and a run go
together (a run moves `runs/latest` only when its record is complete, atomically, so promote reads a whole record).

A process that has to wait says for whom, once, on stderr (``waiting for mlspec run (run <id>, pid N) to
finish ...``) and gives up after ``MLSPEC_LOCK_TIMEOUT`` seconds (default 1800; ``0``: do not wait) with exit 1,
naming the holder. Who holds a lock is written to ``.mlspec/locks/holders/<pid>.json`` (a message only: the
flock is what excludes; a file left by a killed process names a pid that no longer lives and is ignored).

A record saying ``running`` while nobody holds run.lock was left by a run that ended before finishing (killed,
power cut): `sweep_interrupted` marks it ``interrupted``. Whoever holds run.lock or state.lock exclusively calls it
(the next run, gc); `status` and `show` try run.lock without waiting and sweep when it is free.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, Literal, TypeVar

from mlspec.envvars import env_number
from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.state.layout import STATE_DIR

TIMEOUT_VARIABLE = "MLSPEC_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 1800.0
POLL_SECONDS = 0.2
STATE_LOCK = "state.lock"
RUN_LOCK = "run.lock"

Mode = Literal["shared", "exclusive"]
Operation = Literal["run", "gc", "promote"]

# operation -> the locks it takes, in this order (always state before run: no two processes wait on each other)
PLAN: dict[Operation, tuple[tuple[str, Mode], ...]] = {
    "run": ((STATE_LOCK, "shared"), (RUN_LOCK, "exclusive")),
    "promote": ((STATE_LOCK, "shared"),),
    "gc": ((STATE_LOCK, "exclusive"),),
}


class LockTimeout(MlspecError):
    """Another mlspec process held the project's lock for longer than MLSPEC_LOCK_TIMEOUT."""


@dataclass
class _Held:
    fd: int
    mode: Mode
    count: int


# locks this process holds, by file: flock locks belong to an open file, so a second open() of the same file in
# this process would wait for the first; a nested take of a lock already held in the same (or a stronger) mode
# only counts
_HELD: dict[Path, _Held] = {}


def locks_dir(spec_root: Path) -> Path:
    return spec_root / STATE_DIR / "locks"


def _holders_dir(spec_root: Path) -> Path:
    return locks_dir(spec_root) / "holders"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holders(spec_root: Path) -> list[dict[str, Any]]:
    """The live processes that said they hold (or wait for) one of the project's locks, other than this one."""
    found = []
    folder = _holders_dir(spec_root)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(path.read_text("utf-8"))
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if pid != os.getpid() and _alive(pid):
            found.append(info)
    return found


def _describe(spec_root: Path, lock: str) -> str:
    others = [h for h in holders(spec_root) if lock in h.get("locks", [])]
    if not others:
        return "another mlspec process"
    parts = []
    for info in others:
        run = f"run {info['run_id']}, " if info.get("run_id") else ""
        parts.append(f"mlspec {info.get('operation', '?')} ({run}pid {info['pid']})")
    return " and ".join(parts)


def _write_holder(spec_root: Path, info: dict[str, Any]) -> None:
    atomic_write_text(_holders_dir(spec_root) / f"{os.getpid()}.json", json.dumps(info) + "\n")


def _remove_holder(spec_root: Path) -> None:
    with contextlib.suppress(OSError):
        (_holders_dir(spec_root) / f"{os.getpid()}.json").unlink()


def _timeout(environ: dict[str, str] | None) -> float:
    return env_number(os.environ if environ is None else environ, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT)


def _acquire(path: Path, mode: Mode, *, spec_root: Path, operation: str, timeout: float, lock: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    flag = fcntl.LOCK_EX if mode == "exclusive" else fcntl.LOCK_SH
    deadline = time.monotonic() + timeout
    said = False
    while True:
        try:
            fcntl.flock(fd, flag | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        who = _describe(spec_root, lock)
        if time.monotonic() >= deadline:
            os.close(fd)
            waited = f"waited {timeout:g}s: " if timeout else ""
            raise LockTimeout(
                f"{waited}{who} is using {display_path(spec_root / STATE_DIR)} (mlspec {operation} cannot run "
                "at the same time)",
                hint=f"try again when it ends, or stop it; {TIMEOUT_VARIABLE}=SECONDS sets how long to wait "
                f"(now {timeout:g})",
            )
        if not said:
            sys.stderr.write(
                f"waiting for {who} to finish (mlspec {operation} cannot run at the same time; "
                f"giving up after {timeout:g}s, {TIMEOUT_VARIABLE})\n"
            )
            sys.stderr.flush()
            said = True
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def project_lock(
    spec_root: Path, operation: Operation, *, environ: dict[str, str] | None = None
) -> Iterator[Callable[[str], None]]:
    """Hold the locks of ``operation`` on the project whose spec is in ``spec_root``; yields a function that
    records the run id this process works on (shown to whoever waits)."""
    spec_root = spec_root.resolve()
    timeout = _timeout(environ)
    taken: list[Path] = []
    info: dict[str, Any] = {"pid": os.getpid(), "operation": operation, "locks": [], "run_id": None}
    fresh = not any(p.parent == locks_dir(spec_root) for p in _HELD)
    try:
        for name, mode in PLAN[operation]:
            path = locks_dir(spec_root) / name
            held = _HELD.get(path)
            if held is not None:
                if mode == "exclusive" and held.mode == "shared":
                    raise AssertionError(f"{name}: held shared by this process, asked for exclusive")
                held.count += 1
            else:
                fd = _acquire(path, mode, spec_root=spec_root, operation=operation, timeout=timeout, lock=name)
                _HELD[path] = _Held(fd, mode, 1)
            taken.append(path)
            info["locks"].append(name)
        if fresh:
            _write_holder(spec_root, info)

        def note_run(run_id: str) -> None:
            if fresh:
                info["run_id"] = run_id
                _write_holder(spec_root, info)

        yield note_run
    finally:
        for path in reversed(taken):
            held = _HELD[path]
            held.count -= 1
            if held.count == 0:
                del _HELD[path]
                os.close(held.fd)  # closing the file releases the flock
        if fresh and taken:
            _remove_holder(spec_root)


@contextlib.contextmanager
def _run_lock_if_free(spec_root: Path) -> Iterator[bool]:
    """Take the project's run lock without waiting; yields whether it was free (and is now held here)."""
    path = locks_dir(spec_root.resolve()) / RUN_LOCK
    if path in _HELD:
        yield _HELD[path].mode == "exclusive"
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


F = TypeVar("F", bound=Callable[..., int])


def locked_command(operation: Operation) -> Callable[[F], F]:
    """A command that takes ``operation``'s locks on the project of its ``spec`` argument for its whole length."""

    def wrap(function: F) -> F:
        @wraps(function)
        def inner(*args: Any, **kwargs: Any) -> int:
            spec = kwargs.get("spec", args[0] if args else "mlproject.yaml")
            root = Path(spec).resolve().parent
            if not (root / STATE_DIR).is_dir():
                return function(*args, **kwargs)  # no runs: nothing to protect, and no state folder to create
            with project_lock(root, operation):
                return function(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def sweep_interrupted(spec_root: Path, operation: str) -> list[str]:
    """Mark ``interrupted`` every record still saying ``running``: call only while holding the run lock or the
    state lock exclusively (no run can be in progress then). Returns the run ids marked."""
    from mlspec.state.record import RunStore, parse_record, utc_now

    store = RunStore(spec_root)
    if not store.runs.is_dir():
        return []
    marked = []
    for folder in sorted(p for p in store.runs.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            record = parse_record((folder / "record.json").read_bytes())
        except (OSError, ValueError):
            continue
        if record.status != "running" or record.run_id != folder.name:
            continue
        record.status = "interrupted"
        record.finished = record.finished or utc_now()
        record.warnings.append(
            f"interrupted: the process running it ended before the run finished (killed?); found by mlspec "
            f"{operation} at {record.finished}"
        )
        store.save(record, latest=False)
        marked.append(record.run_id)
    return marked


def sweep_if_idle(spec_root: Path, operation: str) -> list[str]:
    """For commands that only read runs (`status`, `show`): sweep when no run holds the run lock."""
    if not (spec_root / STATE_DIR / "runs").is_dir():
        return []
    with _run_lock_if_free(spec_root) as free:
        return sweep_interrupted(spec_root, operation) if free else []
