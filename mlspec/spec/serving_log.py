"""`serve.monitoring`: the generated service logs a sample of its requests (features and prediction) for drift."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# An absolute or relative folder: letters, digits and a few punctuation marks (it is written into service.py).
SINK_PATTERN = r"^/?[A-Za-z0-9_.\-@+][A-Za-z0-9_.\-/@+]{0,254}$"


class ServingLog(BaseModel):
    """Sampled request logging of the generated service. Privacy: the logged rows are the features clients send
    (personal data, if your features hold any), kept in `sink` as CSV files: choose the sample, the folder and
    who may read it accordingly; nothing is logged without this section."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    sample: float = Field(0.1, gt=0, le=1, description="Share of the rows of /predict requests logged, e.g. 0.1.")
    sink: str = Field(
        pattern=SINK_PATTERN,
        description="Folder the service writes the log to, as CSV files of up to 200 rows (features, then "
        "`mlspec_prediction`), one every 10 s at most; on Kubernetes a mounted volume, e.g. `/var/log/serving` "
        "(the root file system is read-only). Read by `mlspec drift --from-serving-log FOLDER`.",
    )
