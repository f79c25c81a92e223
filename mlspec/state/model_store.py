"""The one place models go in and out of the BentoML model store.

BentoML 1.4 deprecates framework helpers such as `bentoml.picklable_model`; the supported way is
`bentoml.models.create(...)`, a context manager giving a folder to write into. mlspec stores the
fitted object with cloudpickle as `model.pkl` in that folder and its metadata beside it, so any
object with `predict` (and `predict_proba` for classifiers) works, whatever library made it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mlspec.errors import MlspecError, shown

if TYPE_CHECKING:
    import bentoml

MODEL_FILE = "model.pkl"
ARCHIVE_EXTENSION = ".bentomodel"


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
    data = pickle_model(model, cloudpickle.dumps)
    with bentoml.models.create(name, labels=clean_labels, metadata=_clean(metadata)) as ref:
        Path(ref.path_of(MODEL_FILE)).write_bytes(data)
    return str(ref.tag)


class UnpicklableModelError(MlspecError):
    """The object training returned cannot be saved."""


def pickle_model(model: Any, dumps: Any) -> bytes:
    """``dumps(model)``; UnpicklableModelError saying what to change when the object cannot be pickled."""
    try:
        return bytes(dumps(model))
    except Exception as exc:  # noqa: BLE001 - pickling runs the model's own code (__reduce__, __getstate__)
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise UnpicklableModelError(
            f"the trained model ({type(model).__name__}) cannot be saved: pickling it failed: {reason}",
            hint="training must return an object cloudpickle can save: drop locks, threads, open files or "
            "connections from it (or define __getstate__ to leave them out)",
        ) from None


TAG_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"
TAG_PATTERN = re.compile(rf"{TAG_PART}(?::{TAG_PART})?")


def valid_tag(tag: str) -> str:
    """``tag`` when it is a model tag; ValueError otherwise (for pydantic validators of files that name one)."""
    if not TAG_PATTERN.fullmatch(tag):
        raise ValueError(f"{shown(tag)} is not a model tag `name:version` (letters, digits, '.', '_' and '-')")
    return tag


def check_tag(tag: object, *, key: str, where: str = "", error: type[MlspecError] = MlspecError) -> str:
    """``tag`` when it is a BentoML model tag `name:version` (letters, digits, '.', '_', '-'); else
    ``error`` naming ``key`` (and the file it came from)."""
    text = tag if isinstance(tag, str) else ""
    if not TAG_PATTERN.fullmatch(text):
        prefix = f"{where}: " if where else ""
        raise error(
            f"{prefix}{key}: {shown(tag)} is not a model tag `name:version` "
            "(letters, digits, '.', '_' and '-', 63 at most in each part)",
            hint="use a tag `mlspec train` printed (e.g. `mlspec status`, or the run record's model.tag)",
        )
    return text


def get_model(tag: str) -> bentoml.Model:
    import bentoml

    check_tag(tag, key="model tag")

    try:
        return bentoml.models.get(tag)
    except bentoml.exceptions.NotFound:
        raise MlspecError(
            f"model {tag!r} is not in the BentoML store ({bentoml_home()})",
            hint="train it with `mlspec train`, or import its exported .bentomodel (`bentoml models import FILE`)",
        ) from None


PICKLABLE_MODULE = "bentoml.picklable_model"


def load_stored(model: Any) -> Any:
    """The fitted object of a bentoml Model: mlspec's `model.pkl` (cloudpickle), or a model saved
    with `bentoml.picklable_model` (deprecated in BentoML 1.4, still read)."""
    if (model.info.module or "") == PICKLABLE_MODULE:
        import warnings

        import bentoml

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bentoml.picklable_model.load_model(model)
    import cloudpickle

    try:
        return cloudpickle.loads(Path(model.path_of(MODEL_FILE)).read_bytes())
    except Exception as exc:  # noqa: BLE001 - unpickling runs arbitrary code of the model's classes
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise MlspecError(
            f"model {model.tag} cannot be loaded from the BentoML store: {type(exc).__name__}: {reason}",
            hint="the stored model is damaged or its classes are not importable here; train it again with "
            "`mlspec train`, or import a complete archive (`bentoml models import FILE`)",
        ) from None


def load_model(tag: str) -> Any:
    """The fitted object saved under ``tag``."""
    return load_stored(get_model(tag))


class ModelNotInStore(MlspecError):
    """The model is not in the BentoML store and no exported archive to import it from exists."""


def get_or_import(tag: str, archive: Path | None, source: str, *, hint: str, say: TextIO | None = None) -> Any:
    """The bentoml Model ``tag``; when the store lacks it, imported first from ``archive`` (the exported
    .bentomodel a deploy file or run record names). How serve, monitor and the gate get a deployed model on a
    fresh runner. ``source`` names who asked for ``tag``; ``say`` gets the "imported" line (stdout by default)."""
    import bentoml

    try:
        return bentoml.models.get(tag)
    except (bentoml.exceptions.NotFound, ValueError):
        pass
    if archive is not None and archive.is_file():
        imported = import_model(archive)
        print(f"imported model {imported} from {archive}", file=say or sys.stdout)
        if imported != tag:
            raise MlspecError(
                f"{archive} holds model {imported}, but {source} names {tag}",
                hint="point model.artifact at the archive exported from the promoted run",
            )
        return bentoml.models.get(tag)
    where = f" and the exported model {archive} does not exist" if archive else ""
    raise ModelNotInStore(
        f"model {tag} (from {source}) is not in the BentoML store at {bentoml_home()}{where}", hint=hint
    )


def model_metadata(tag: str) -> dict[str, Any]:
    return dict(get_model(tag).info.metadata)


def export_model(tag: str, path: str | os.PathLike[str]) -> Path:
    """Write model ``tag`` to ``path``, a `.bentomodel` archive (added when missing); return the file.

    This is how a model leaves the CT run: the archive is uploaded with the run state and imported by
    CD (`import_model`) so the service is built for exactly this version, without retraining.
    """
    import bentoml

    target = Path(path)
    if target.suffix != ARCHIVE_EXTENSION:
        target = target.with_name(target.name + ARCHIVE_EXTENSION)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp{ARCHIVE_EXTENSION}")
    try:
        written = Path(bentoml.models.export_model(tag, str(tmp)))
    except bentoml.exceptions.NotFound:
        raise MlspecError(
            f"cannot export model {tag!r}: it is not in the BentoML store ({bentoml_home()})",
            hint="train it with `mlspec train` first",
        ) from None
    written.replace(target)  # atomic: a reader never sees half an archive
    return target


def import_model(path: str | os.PathLike[str]) -> str:
    """Import a `.bentomodel` archive into the BentoML store; return its tag. A model that is
    already in the store is not an error (the store keeps the copy it has)."""
    import bentoml
    from bentoml.exceptions import BentoMLException

    source = Path(path)
    if not source.is_file():
        raise MlspecError(
            f"model archive {source} does not exist",
            hint="download the CT run's model artifact there first (see docs/serving.md)",
        )
    _check_archive(source)
    try:
        return str(bentoml.models.import_model(str(source)).tag)
    except BentoMLException as exc:
        message = str(exc)
        if "already exists" in message and message.count("'") >= 2:
            return message.split("'")[1]
        raise _not_an_archive(source, message) from None
    except Exception as exc:  # noqa: BLE001 - truncated or foreign files fail inside tar/lzma/yaml readers
        raise _not_an_archive(source, f"{type(exc).__name__}: {str(exc).strip()[:200]}") from None


def _check_archive(source: Path) -> None:
    """Read the whole archive once, so a truncated or foreign file is refused before it reaches the store."""
    import tarfile

    try:
        with tarfile.open(source, "r:*") as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.isfile() else None
                while handle is not None and handle.read(1 << 20):
                    pass
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _not_an_archive(source, f"{type(exc).__name__}: {reason[:200]}") from None


def _not_an_archive(source: Path, reason: str) -> MlspecError:
    return MlspecError(
        f"cannot import model archive {source}: it is not a complete model archive ({reason})",
        hint="the file must be a model exported by `mlspec train` (`bentoml models export`); download it again",
    )


def bentoml_home() -> str:
    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))
