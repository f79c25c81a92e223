"""The process that runs a Python entrypoint: `python -m mlspec.pipeline.train_child JOB`.

mlspec starts it in its own process group (`mlspec.proc`), so the training deadline is enforced from
outside and `sys.exit()` / `os._exit()` in the training code end only this process. It writes the
model (cloudpickle) to the job's `model_out` only when the entrypoint returned one, and a JSON
`failure` file (message, hint) when it knows why it did not."""

from __future__ import annotations

import json
import logging
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any

from mlspec.fsio import atomic_write_bytes, atomic_write_text
from mlspec.pipeline.training import TrainingError, last_traceback_line, load_entrypoint, takes_three
from mlspec.usercode import entrypoint_folders, project_modules, store_by_value, user_code_path


def _fail(job: dict[str, Any], message: str, hint: str | None = None) -> int:
    atomic_write_text(Path(job["failure"]), json.dumps({"message": message, "hint": hint}))
    return 1


def run(job: dict[str, Any]) -> int:
    import cloudpickle

    root = Path(job["root"])
    folders = entrypoint_folders(root, job["entrypoint"])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        fn = load_entrypoint(root, job["entrypoint"])
    except TrainingError as exc:
        return _fail(job, exc.message, exc.hint)
    with open(job["data"], "rb") as handle:
        data = pickle.load(handle)
    train, features, label, params = data["train"], data["features"], data["label"], data["params"]
    try:
        with user_code_path(*folders):  # the training function may import the project's modules as it runs
            if takes_three(fn):
                model = fn(train[features].copy(), train[label].copy(), dict(params))
            else:  # the features and the label only: what the model is served with (no index, time or group column)
                model = fn(train[[*features, label]].copy(), dict(params))
    except Exception as exc:  # noqa: BLE001 - user code; the traceback goes to the log
        traceback.print_exc()
        return _fail(job, f"raised {last_traceback_line(exc)}")
    if model is None:
        return _fail(job, "returned None; it must return the fitted model", "end the function with `return model`")
    store_by_value(project_modules(folders))  # the entrypoint's module, its helpers and packages under src/
    atomic_write_bytes(Path(job["model_out"]), cloudpickle.dumps(model))
    return 0


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    return run(job)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
