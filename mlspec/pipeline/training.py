"""Calling the spec's training code: a Python entrypoint (`file.py:function` or `module:function`) or a
shell command, with params and seed; its output captured into train.log."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.proc import run_in_group
from mlspec.usercode import command_folders, entrypoint_folders, project_modules, store_by_value, user_code_path

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


def last_traceback_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip() if lines else type(exc).__name__


def _import(target: str, path: Path | None) -> Any:
    """The module of an entrypoint: the file ``path`` (under a name of its own), else the module named ``target``."""
    if path is None:
        return importlib.import_module(target)
    name = "mlspec_entrypoint_" + str(abs(hash(str(path))))
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def load_entrypoint(root: Path, entrypoint: str) -> Any:
    """The callable named by `path/file.py:function` (relative to the spec folder) or `module:function`."""
    target, _, function = entrypoint.rpartition(":")
    folders = entrypoint_folders(root, entrypoint)
    path = (root / target).resolve() if target.endswith(".py") else None
    if path is not None and not path.is_file():
        raise TrainingError(
            f"train.entrypoint: {display_path(path)} does not exist",
            hint="paths in `train.entrypoint` are relative to the spec's folder",
        )
    try:
        with user_code_path(*folders):
            module = _import(target, path)
    except MlspecError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import
        raise TrainingError(
            f"train.entrypoint {entrypoint}: importing {target} failed: {last_traceback_line(exc)}"
        ) from None
    fn = getattr(module, function, None)
    if fn is None or not callable(fn):
        available = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise TrainingError(
            f"train.entrypoint {entrypoint}: {target} has no function {function!r}"
            + (f" (functions there: {', '.join(available[:10])})" if available else "")
        )
    return fn


def takes_three(fn: Any) -> bool:
    """fn(X_train, y_train, params) when it has three required positional parameters, else fn(train_df, params)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) >= 3


def _read_log(log_path: Path) -> str:
    try:
        return log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _last_lines(log: str) -> str:
    return f"\n  last lines:\n{tail(log)}" if log.strip() else ""


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **(extra or {})}


def _seconds(minutes: float | None) -> float | None:
    return float(minutes) * 60 if minutes else None


def _no_model(where: str, returncode: int, log: str) -> TrainingError:
    """The process ended without a model: an exit from the training code (`sys.exit`, `os._exit`) or a signal."""
    how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
    return TrainingError(
        f"{where} {how} without returning a model; the stage failed and the previous model is unchanged"
        + _last_lines(log),
        hint="training code must return the fitted model; do not call sys.exit() or os._exit() in it",
    )


def call_entrypoint(
    root: Path,
    entrypoint: str,
    tables: Any,
    params: dict[str, Any],
    log_path: Path,
    timeout_minutes: float | None = None,
) -> Any:
    """Call the entrypoint in its own process group (`mlspec.pipeline.train_child`), output into ``log_path``,
    stopped from outside after ``timeout_minutes``; the fitted model it returned, or TrainingError."""
    import pickle
    import tempfile

    where = f"train.entrypoint {entrypoint}"
    with tempfile.TemporaryDirectory(prefix="mlspec-train-") as tmp:
        work = Path(tmp)
        data = {"train": tables.train, "features": list(tables.features), "label": tables.label, "params": params}
        (work / "data.pkl").write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        job = {
            "root": str(root),
            "entrypoint": entrypoint,
            "data": str(work / "data.pkl"),
            "model_out": str(work / "model.pkl"),
            "failure": str(work / "failure.json"),
        }
        (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
        argv = [sys.executable, "-m", "mlspec.pipeline.train_child", str(work / "job.json")]
        result = run_in_group(
            argv, cwd=root, env=_child_env(), log_path=log_path, timeout_seconds=_seconds(timeout_minutes)
        )
        log = _read_log(log_path)
        if result.timed_out:
            stopped = f"stopped after train.timeout_minutes ({timeout_minutes})"
            with open(log_path, "a", encoding="utf-8") as handle:
                handle.write(f"mlspec: {stopped}\n")
            raise TrainingError(
                f"{where} raised TimeoutError: {stopped}\n"
                f"  the previous model is unchanged; full log: {display_path(log_path)}" + _last_lines(log)
            )
        failure = work / "failure.json"
        if failure.is_file():
            raise _failure(where, json.loads(failure.read_text(encoding="utf-8")), log, log_path)
        model_out = work / "model.pkl"
        if result.returncode != 0 or not model_out.is_file():
            raise _no_model(where, result.returncode, log)
        return _load_pickle(model_out, root, where, entrypoint_folders(root, entrypoint))


def _failure(where: str, failure: dict[str, Any], log: str, log_path: Path) -> TrainingError:
    message = failure["message"]
    if message.startswith("raised "):
        return TrainingError(
            f"{where} {message}\n  the previous model is unchanged; full log: {display_path(log_path)}"
            + _last_lines(log)
        )
    if message.startswith("returned None"):
        return TrainingError(f"{where} {message}", hint=failure.get("hint"))
    return TrainingError(message, hint=failure.get("hint"))


def _load_pickle(path: Path, root: Path, where: str, folders: list[Path], hint: str | None = None) -> Any:
    """Load the model with the import path training saw (``folders``: `usercode.train_folders`, whose modules
    the pickle may name). Modules of the project imported for it are then pickled by value, so the model
    mlspec stores loads where the project's code is not importable (evaluate, serve, the container)."""
    import cloudpickle

    before = set(sys.modules)
    try:
        with user_code_path(*folders, root):
            model = cloudpickle.loads(path.read_bytes())
        store_by_value(project_modules([*folders, root], set(sys.modules) - before))
        return model
    except Exception as exc:  # noqa: BLE001 - the model's classes come from the user's code
        main = _main_attribute(exc)
        if main is not None:
            raise TrainingError(
                f"{where}: the model it wrote refers to {main!r} defined in the training script itself (its "
                f"module `__main__`), which no other program can import, so mlspec cannot load the model",
                hint=f"define {main} in a module under src/ (e.g. src/model.py), import it from there in the "
                "training script, and pickle the model again; or save it with cloudpickle, which stores "
                "__main__ classes by value",
            ) from None
        raise TrainingError(f"{where}: cannot load the model it wrote: {last_traceback_line(exc)}", hint=hint) from None


def python_env(folder: Path) -> dict[str, str]:
    """`python` and `python3` in a command mean the interpreter mlspec runs with (its virtual environment,
    where `ci.install` puts the project's packages), also without an activated virtualenv: small scripts
    in ``folder`` put first on PATH, and MLSPEC_PYTHON names the interpreter for commands that want it."""
    import shlex

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3"):
        shim = folder / name
        shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    return {"MLSPEC_PYTHON": sys.executable, "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def _main_attribute(exc: BaseException) -> str | None:
    """The name pickle could not find in `__main__` (a class or function of the script that pickled
    the model), or None for other failures."""
    import re

    found = re.match(r"Can't get attribute '([^']+)' on <module '(?:[\w.]+\.)?__main__'", str(exc))
    return found.group(1) if isinstance(exc, AttributeError) and found else None


def run_command(
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
    """Run the shell command in its own process group with explicit inputs/outputs in the environment
    (stopped as a group on the deadline); load the pickle it writes."""
    params_path = work_dir / "params.json"
    model_out = work_dir / "model.pkl"
    atomic_write_text(params_path, json.dumps(params, indent=2, sort_keys=True) + "\n")
    env = _child_env(
        {
            "MLSPEC_TRAIN": str(train_path),
            "MLSPEC_TEST": str(test_path),
            "MLSPEC_PARAMS": str(params_path),
            "MLSPEC_SEED": str(seed),
            "MLSPEC_MODEL_OUT": str(model_out),
            **python_env(work_dir / "python-bin"),
        }
    )
    try:
        model_out.unlink()
    except FileNotFoundError:
        pass
    # The command is the project's own training code from its committed spec, run like `make`.
    result = run_in_group(
        command, shell=True, cwd=root, env=env, log_path=log_path, timeout_seconds=_seconds(timeout_minutes)
    )
    output = _read_log(log_path)
    if result.timed_out:
        raise TrainingError(
            f"train.command timed out after {timeout_minutes} minutes (train.timeout_minutes); it was stopped"
            + _last_lines(output)
        )
    if result.returncode != 0:
        raise TrainingError(
            f"train.command exited with code {result.returncode}; the previous model is unchanged" + _last_lines(output)
        )
    if not model_out.is_file():
        raise TrainingError(
            "train.command succeeded but wrote no model to $MLSPEC_MODEL_OUT",
            hint="pickle the fitted model to the path in the MLSPEC_MODEL_OUT environment variable",
        )
    if model_out.stat().st_size == 0:  # opened, nothing written: unpickling it says only "Ran out of input"
        raise TrainingError(
            "train.command succeeded but the model file it wrote ($MLSPEC_MODEL_OUT) is empty",
            hint=MODEL_OUT_HINT,
        )
    return _load_pickle(model_out, root, "train.command", command_folders(root, command), hint=MODEL_OUT_HINT)


MODEL_OUT_HINT = (
    'write the fitted model with `pickle.dump(model, f)` into `open(os.environ["MLSPEC_MODEL_OUT"], "wb")` '
    "(or cloudpickle.dump, joblib.dump)"
)


def check_model(model: Any, task: str, where: str) -> None:
    missing = [
        m
        for m in ("predict",) + (("predict_proba",) if task != "regression" else ())
        if not callable(getattr(model, m, None))
    ]
    if missing:
        raise TrainingError(
            f"{where} returned a {type(model).__name__}, which has no {' or '.join(missing)} method",
            hint="return a fitted model with predict"
            + (" and predict_proba (a classifier)" if task != "regression" else ""),
        )


def check_model_classes(model: Any, y: Any, label: str, where: str) -> None:
    """A classifier must predict the label's own values: one fitted on codes of them (0, 1, 2 for `rust`,
    `blight`, `healthy`) never equals a label, and the run passed with accuracy 0 and every other metric n/a."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return
    try:
        known = {c.item() if hasattr(c, "item") else c for c in list(classes)}
        values = sorted({v.item() if hasattr(v, "item") else v for v in y.dropna().unique()}, key=str)
    except TypeError:  # unhashable classes: nothing to compare
        return
    if not values or any(v in known for v in values):
        return
    shown_classes = ", ".join(repr(c) for c in sorted(known, key=str)[:5]) + (", ..." if len(known) > 5 else "")
    shown_values = ", ".join(repr(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
    raise TrainingError(
        f"{where} returned a classifier whose classes ({shown_classes}) are none of the values of the label "
        f"{label!r} ({shown_values}), so no prediction could equal a label",
        hint="fit the model on the label as given (y), not on codes of it; or have predict return the label's values",
    )


def model_classes(model: Any, y: Any) -> list[Any] | None:
    classes = getattr(model, "classes_", None)
    if classes is None:
        import numpy as np

        classes = np.unique(y)
    return [c.item() if hasattr(c, "item") else c for c in list(classes)]
