"""Moving a model from CT to CD without retraining: export to / import from a `.bentomodel` file.

CT (after training) calls ``export_model(tag, path)`` and uploads the file as a workflow artifact;
the promotion PR records its location in `deploy/<env>.yaml` (`model.artifact`); CD downloads it and
`mlspec build --env ENV` calls ``import_model(path)`` when the model is not in the local store.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlspec.errors import ServeError

EXTENSION = ".bentomodel"


def export_model(tag: str, path: str | os.PathLike[str]) -> Path:
    """Write model ``tag`` of the BentoML store to ``path`` (a `.bentomodel` archive); return the file."""
    import bentoml

    target = Path(path)
    if target.suffix != EXTENSION:
        target = target.with_name(target.name + EXTENSION)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = bentoml.models.export_model(tag, str(target))
    except bentoml.exceptions.NotFound:
        raise ServeError(f"cannot export model {tag}: it is not in the BentoML store") from None
    return Path(written)


def import_model(path: str | os.PathLike[str]) -> str:
    """Import a `.bentomodel` archive into the BentoML store; return its tag. Importing a model
    that is already there is not an error (the store keeps the copy it has)."""
    import bentoml
    from bentoml.exceptions import BentoMLException

    source = Path(path)
    if not source.is_file():
        raise ServeError(f"model archive {source} does not exist",
                         hint="download the CT run's model artifact there first (see docs/serving.md)")
    try:
        return str(bentoml.models.import_model(str(source)).tag)
    except BentoMLException as exc:
        if "already exists" in str(exc):
            tag = str(exc).split("'")[1] if str(exc).count("'") >= 2 else None
            if tag:
                return tag
        raise ServeError(f"cannot import model archive {source}: {exc}") from None
