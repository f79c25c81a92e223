"""The one place models go in and out of the BentoML model store.

BentoML 1.4 deprecates framework helpers such as `bentoml.picklable_model`; the supported way is
`bentoml.models.create(...)`, a context manager giving a folder to write into. mlspec stores the
fitted object with cloudpickle as `model.pkl` in that folder and its metadata beside it, so any
object with `predict` (and `predict_proba` for classifiers) works, whatever library made it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError

MODEL_FILE = "model.pkl"


def _clean(value: Any) -> Any:
    """BentoML rejects None in metadata and labels; drop such keys recursively."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value if v is not None]
    return value


def save_model(name: str, model: Any, *, labels: dict[str, str], metadata: dict[str, Any]) -> str:
    """Save ``model`` as a new version of ``name``; return the tag `name:version`."""
    import bentoml
    import cloudpickle

    clean_labels = {k: str(v) for k, v in labels.items() if v is not None}
    with bentoml.models.create(name, labels=clean_labels, metadata=_clean(metadata)) as ref:
        Path(ref.path_of(MODEL_FILE)).write_bytes(cloudpickle.dumps(model))
    return str(ref.tag)


def get_model(tag: str):  # -> bentoml.Model
    import bentoml

    try:
        return bentoml.models.get(tag)
    except bentoml.exceptions.NotFound:
        raise MlspecError(
            f"model {tag!r} is not in the BentoML store ({bentoml_home()})",
            hint="train it with `mlspec train`, or import its exported .bentomodel with `bentoml models import`",
        ) from None


def load_model(tag: str) -> Any:
    """The fitted object saved under ``tag``."""
    import cloudpickle

    ref = get_model(tag)
    return cloudpickle.loads(Path(ref.path_of(MODEL_FILE)).read_bytes())


def model_metadata(tag: str) -> dict[str, Any]:
    return dict(get_model(tag).info.metadata)


def bentoml_home() -> str:
    import os

    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))
