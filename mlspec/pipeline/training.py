"""Calling the spec's training code: a Python entrypoint (`file.py:function` or `module:function`) or a
shell command, with params and seed; its output captured into train.log."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path

TAIL_LINES = 15


class TrainingError(MlspecError):
    """The training code failed or returned something that is not a model."""


def train_params(spec: Any) -> dict[str, Any]:
    """spec.train.params plus "seed" (unless params set it)."""
    params = dict(spec.train.params)
    params.setdefault("seed", spec.train.seed)
    return params


def tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = [line for line in text.rstrip().splitlines()][-lines:]
    return "\n".join("    " + line for line in kept)


def _last_traceback_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip() if lines else type(exc).__name__


def load_entrypoint(root: Path, entrypoint: str) -> Any:
    """The callable named by `path/file.py:function` (relative to the spec folder) or `module:function`."""
    target, _, function = entrypoint.rpartition(":")
    added = [str(root)]
    if target.endswith(".py"):
        path = (root / target).resolve()
        if not path.is_file():
            raise TrainingError(
                f"train.entrypoint: {display_path(path)} does not exist",
                hint="paths in `train.entrypoint` are relative to the spec's folder",
            )
        added.insert(0, str(path.parent))
    saved = list(sys.path)
    sys.path[:0] = [p for p in added if p not in sys.path]
    try:
        if target.endswith(".py"):
            name = "mlspec_entrypoint_" + str(abs(hash(str(path))))
            module_spec = importlib.util.spec_from_file_location(name, path)
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except MlspecError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import
        raise TrainingError(
            f"train.entrypoint {entrypoint}: importing {target} failed: {_last_traceback_line(exc)}"
        ) from None
    finally:
        sys.path[:] = saved
    fn = getattr(module, function, None)
    if fn is None or not callable(fn):
        available = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise TrainingError(
            f"train.entrypoint {entrypoint}: {target} has no function {function!r}"
            + (f" (functions there: {', '.join(available[:10])})" if available else "")
        )
    return fn


def _takes_three(fn: Any) -> bool:
    """fn(X_train, y_train, params) when it has three required positional parameters, else fn(train_df, params)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) >= 3


class _Tee(io.TextIOBase):
    def __init__(self, sink: io.StringIO) -> None:
        self.sink = sink

    def write(self, text: str) -> int:
        return self.sink.write(text)

    def flush(self) -> None:
        pass


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _deadline(minutes: float | None) -> Any:
    """Raise _Timeout in the main thread after ``minutes`` (SIGALRM; a no-op where it does not exist)."""
    import signal
    import threading

    if not minutes or not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, minutes * 60)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_entrypoint(
    root: Path, entrypoint: str, tables: Any, params: dict[str, Any], log_path: Path,
    timeout_minutes: float | None = None,
) -> Any:
    """Call the entrypoint with stdout, stderr and logging captured into ``log_path``."""
    fn = load_entrypoint(root, entrypoint)
    buffer = io.StringIO()
    handler = logging.StreamHandler(_Tee(buffer))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(handler)
    if root_logger.level > logging.INFO or root_logger.level == logging.NOTSET:
        root_logger.setLevel(logging.INFO)
    failure: BaseException | None = None
    model = None
    saved_path = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        with contextlib.redirect_stdout(_Tee(buffer)), contextlib.redirect_stderr(_Tee(buffer)):
            try:
                with _deadline(timeout_minutes):
                    if _takes_three(fn):
                        model = fn(tables.X_train.copy(), tables.y_train.copy(), dict(params))
                    else:
                        model = fn(tables.train.copy(), dict(params))
            except _Timeout:
                failure = TimeoutError(f"stopped after train.timeout_minutes ({timeout_minutes})")
                buffer.write(f"mlspec: {failure}\n")
            except Exception as exc:  # noqa: BLE001 - user code
                failure = exc
                buffer.write(traceback.format_exc())
    finally:
        sys.path[:] = saved_path
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)
        atomic_write_text(log_path, buffer.getvalue())
    log = buffer.getvalue()
    if failure is not None:
        raise TrainingError(
            f"train.entrypoint {entrypoint} raised {_last_traceback_line(failure)}\n"
            f"  the previous model is unchanged; full log: {display_path(log_path)}"
            + (f"\n  last lines:\n{tail(log)}" if log.strip() else "")
        )
    if model is None:
        raise TrainingError(
            f"train.entrypoint {entrypoint} returned None; it must return the fitted model",
            hint="end the function with `return model`",
        )
    return model


def run_command(
    root: Path, command: str, train_path: Path, test_path: Path, params: dict[str, Any], seed: int,
    work_dir: Path, log_path: Path, timeout_minutes: int,
) -> Any:
    """Run the shell command with explicit inputs/outputs in the environment; load the pickle it writes."""
    import cloudpickle

    params_path = work_dir / "params.json"
    model_out = work_dir / "model.pkl"
    atomic_write_text(params_path, json.dumps(params, indent=2, sort_keys=True) + "\n")
    env = {
        **os.environ,
        "MLSPEC_TRAIN": str(train_path),
        "MLSPEC_TEST": str(test_path),
        "MLSPEC_PARAMS": str(params_path),
        "MLSPEC_SEED": str(seed),
        "MLSPEC_MODEL_OUT": str(model_out),
    }
    try:
        model_out.unlink()
    except FileNotFoundError:
        pass
    try:
        # The command is the project's own training code from its committed spec, run like `make`.
        result = subprocess.run(
            command, shell=True, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=timeout_minutes * 60, check=False,
        )
        output = result.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode("utf-8", "replace")
        atomic_write_text(log_path, output)
        raise TrainingError(
            f"train.command timed out after {timeout_minutes} minutes (train.timeout_minutes)"
            + (f"\n  last lines:\n{tail(output)}" if output.strip() else "")
        ) from None
    atomic_write_text(log_path, output)
    if result.returncode != 0:
        raise TrainingError(
            f"train.command exited with code {result.returncode}; the previous model is unchanged"
            + (f"\n  last lines:\n{tail(output)}" if output.strip() else "")
        )
    if not model_out.is_file():
        raise TrainingError(
            "train.command succeeded but wrote no model to $MLSPEC_MODEL_OUT",
            hint="pickle the fitted model to the path in the MLSPEC_MODEL_OUT environment variable",
        )
    try:
        return cloudpickle.loads(model_out.read_bytes())
    except Exception as exc:  # noqa: BLE001
        raise TrainingError(f"train.command: cannot unpickle $MLSPEC_MODEL_OUT: {_last_traceback_line(exc)}") from None


def check_model(model: Any, task: str, where: str) -> None:
    missing = [m for m in ("predict",) + (("predict_proba",) if task != "regression" else ()) if not callable(getattr(model, m, None))]
    if missing:
        raise TrainingError(
            f"{where} returned a {type(model).__name__}, which has no {' or '.join(missing)} method",
            hint="return a fitted model with predict" + (" and predict_proba (a classifier)" if task != "regression" else ""),
        )


def model_classes(model: Any, y: Any) -> list[Any] | None:
    classes = getattr(model, "classes_", None)
    if classes is None:
        import numpy as np

        classes = np.unique(y)
    return [c.item() if hasattr(c, "item") else c for c in list(classes)]
