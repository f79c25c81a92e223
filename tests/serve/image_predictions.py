"""The model's own predictions from a built image: a separate process of the image's Python (no server, no
network) loads the pickle the Bento ships and predicts. Shared by the containerize test and the delivery checks."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

PREDICT_IN_IMAGE = """
import glob, json, os, sys
import cloudpickle, pandas as pd
(path,) = glob.glob(os.path.join(os.environ["BENTO_PATH"], "models", "*", "*", "*.pkl"))
with open(path, "rb") as handle:
    model = cloudpickle.load(handle)
print(json.dumps(model.predict(pd.read_json(sys.stdin, orient="split")).tolist()))
"""


def image_predictions(reference: str, rows: pd.DataFrame, env: dict[str, str], timeout: float = 300) -> list[Any]:
    """What the model in the image ``reference`` predicts for ``rows`` (the docker run must succeed)."""
    run = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "--entrypoint",
            "python",
            reference,
            "-c",
            PREDICT_IN_IMAGE,
        ],
        input=rows.to_json(orient="split"),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return list(json.loads(run.stdout))
