"""The Ray Job's entrypoint on the cluster: `python -m mlspec.pipeline.engines.ray_job _mlspec_job/job.json`.

It runs in the job's working directory (a copy of the project's code, with the stage's data under
`_mlspec_job/`), trains exactly as the local engine does (`mlspec.pipeline.train_child` for an entrypoint, the
shell command with the same MLSPEC_* variables for `train.command`) and hands the outcome back through the
job's log, the one channel the Ray Jobs API gives a client of a remote cluster: a `failure` line (JSON), or the
model's cloudpickle bytes as base64 lines between a header (size, sha256) and an end line. mlspec's driver
(`mlspec.pipeline.engines.ray`) strips these lines from the log it shows and checks the size and digest.

Imports only the standard library and mlspec's stdlib-only training modules; cloudpickle comes with the job.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

MARK = "@@mlspec:"
CHUNK = 48 * 1024  # bytes of model per log line (64 KiB of base64)


def emit_failure(failure: dict[str, Any]) -> None:
    print(f"{MARK}failure {json.dumps(failure)}", flush=True)


def emit_model(data: bytes) -> None:
    out = sys.stdout
    out.write(f"\n{MARK}model {len(data)} {hashlib.sha256(data).hexdigest()}\n")
    for start in range(0, len(data), CHUNK):
        out.write(f"{MARK}b64 {base64.b64encode(data[start : start + CHUNK]).decode('ascii')}\n")
    out.write(f"{MARK}end\n")
    out.flush()


def _entrypoint(job: dict[str, Any], here: Path, folder: Path) -> tuple[int, Path]:
    from mlspec.pipeline import train_child

    child = {
        "root": str(here),
        "entrypoint": job["entrypoint"],
        "data": str(folder / "data.pkl"),
        "model_out": str(folder / "model.pkl"),
        "failure": str(folder / "failure.json"),
    }
    sys.stdout.flush()
    return train_child.run(child), folder / "model.pkl"


def _command(job: dict[str, Any], here: Path, folder: Path) -> tuple[int, Path]:
    from mlspec.pipeline.training import python_env

    model_out = folder / "model.pkl"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "MLSPEC_TRAIN": str(folder / job["train"]),
        "MLSPEC_TEST": str(folder / job["test"]),
        "MLSPEC_PARAMS": str(folder / "params.json"),
        "MLSPEC_SEED": str(job["seed"]),
        "MLSPEC_MODEL_OUT": str(model_out),
        **python_env(folder / "python-bin"),
    }
    sys.stdout.flush()
    # The project's own training command from its committed spec, run as the local engine runs it.
    result = subprocess.run(job["command"], shell=True, cwd=here, env=env, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        emit_failure({"exit": result.returncode})
    return result.returncode, model_out


def main(argv: list[str]) -> int:
    job_file = Path(argv[1]).resolve()
    folder = job_file.parent
    here = Path.cwd()
    job = json.loads(job_file.read_text(encoding="utf-8"))
    print(f"mlspec: training on Ray node {os.uname().nodename} (python {sys.version.split()[0]})", flush=True)
    code, model_out = (_entrypoint if job["form"] == "entrypoint" else _command)(job, here, folder)
    failure = folder / "failure.json"
    if failure.is_file():
        emit_failure(json.loads(failure.read_text(encoding="utf-8")))
    elif code == 0 and model_out.is_file():
        emit_model(model_out.read_bytes())
        return 0
    return code or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
