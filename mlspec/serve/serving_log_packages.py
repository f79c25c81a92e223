"""What a Bento with `serve.monitoring` ships besides the model's packages: the fsspec backend of an object-store
sink (s3fs, gcsfs, adlfs), pinned to the versions installed here, as the model's packages are."""

from __future__ import annotations

import importlib.metadata
from typing import Any

from mlspec.errors import ServeError
from mlspec.spec.serving_log import is_url

BACKENDS = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}


def sink_packages(spec: Any) -> list[str]:
    """`name==version` of the packages the service's serving log needs (none for a folder or without the log)."""
    log = spec.serve.monitoring
    if log is None or not is_url(log.sink):
        return []
    scheme = log.sink.split("://", 1)[0]
    pinned = []
    for name in ("fsspec", BACKENDS[scheme]):
        try:
            pinned.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            raise ServeError(
                f"serve.monitoring.sink {log.sink}: the service needs {name} to write the log, and it is not "
                "installed here (mlspec build ships the versions installed where it runs)",
                hint=f"pip install {name}",
            ) from None
    return pinned
