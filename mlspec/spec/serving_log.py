"""`serve.monitoring`: the generated service logs a sample of its requests (features and prediction) for drift."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlspec.errors import shown
from mlspec.spec.credentials import check_credentials

# An absolute or relative folder: letters, digits and a few punctuation marks (it is written into service.py) ...
FOLDER_PATTERN = r"/?[A-Za-z0-9_.\-@+][A-Za-z0-9_.\-/@+]{0,254}"
# ... or an object-store URL, read and written through fsspec as the model store is.
URL_PATTERN = r"(?:s3|gs|gcs|az|abfs)://[A-Za-z0-9_.\-@+=~][A-Za-z0-9_.\-/@+=~]{0,254}"
SINK_PATTERN = rf"^(?:{URL_PATTERN}|{FOLDER_PATTERN})$"
WINDOW_PATTERN = r"^[1-9][0-9]{0,4}[mhd]$"


def is_url(sink: str) -> bool:
    """The sink names an object store (`s3://`, `gs://`, `az://`), not a folder."""
    return "://" in sink


class ServingLog(BaseModel):
    """Sampled request logging of the generated service. Privacy: the logged rows are the features clients send
    (personal data, if your features hold any), kept in `sink` as CSV objects: choose the sample, the sink, its
    retention and who may read it accordingly; nothing is logged without this section (docs/serving.md)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    sample: float = Field(0.1, gt=0, le=1, description="Share of the rows of /predict requests logged, e.g. 0.1.")
    sink: str = Field(
        pattern=SINK_PATTERN,
        description="Where the service writes the log, as CSV objects of up to 200 rows (features, then "
        "`mlspec_prediction`), one every 10 s at most per worker: an object-store URL (`s3://bucket/prefix`, "
        "`gs://…`, `az://…`; the service takes the write credentials from its environment) or a folder (on "
        "Kubernetes a mounted volume, e.g. `/var/log/serving`: the root file system is read-only). Read by "
        "`mlspec drift --from-serving-log`, and by the monitor workflow when `triggers.drift` is set.",
    )
    read_credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Read-only credentials of the sink, `VARIABLE: SECRET_NAME`, set only on the monitor "
        "workflow's drift step (e.g. `{AWS_ACCESS_KEY_ID: LOG_READER_KEY_ID, AWS_SECRET_ACCESS_KEY: "
        "LOG_READER_SECRET}`). Empty: the runner's own identity (or anonymous).",
    )
    window: str = Field(
        "7d",
        pattern=WINDOW_PATTERN,
        description="The part of the log the monitor workflow reads as the current data: the last N minutes, "
        "hours or days (`m`, `h`, `d`), e.g. `7d` (`mlspec drift --from-serving-log --since`).",
    )

    @field_validator("sink")
    @classmethod
    def _no_dots(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise ValueError(f"{shown(value)} must not contain `..` segments")
        return value

    @field_validator("read_credentials")
    @classmethod
    def _credentials(cls, value: dict[str, str]) -> dict[str, str]:
        return check_credentials(value)
