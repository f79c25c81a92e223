"""Per-row test predictions of the challenger (the run's predictions CSV) and of the champion (its
own run's CSV when it scored the same test data, else its model from the BentoML store applied to
the current test set). Both must cover the same rows with the same labels, or the gate fails."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlspec.errors import MlspecError
from mlspec.gate.bootstrap import Array, Predictions
from mlspec.state.deploy import Deployment
from mlspec.state.record import RunRecord, RunStore
from mlspec.usercode import code_folders, user_code_path

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec

PROBA_PREFIX = "proba_"


class PredictionsUnavailable(MlspecError):
    """The per-row predictions a bootstrap gate needs cannot be had; the message says why and what to do."""


class ChampionModelMissing(PredictionsUnavailable):
    """The champion's model is not in the local BentoML store (allow_missing_champion lets this pass)."""


@dataclass
class RowPredictions:
    rows: Array  # the `row` column as text: the row's key (data.index value, else its index label)
    y_true: Array
    predictions: Predictions
    source: str


def read_predictions_csv(path: Path, task: str) -> RowPredictions:
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype={"row": str})
    except (OSError, ValueError) as exc:
        raise PredictionsUnavailable(f"cannot read the predictions {path}: {exc}") from None
    missing = [c for c in ("row", "y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise PredictionsUnavailable(
            f"{path}: the predictions have no column {', '.join(missing)} "
            "(expected row, y_true, y_pred, proba_<class>...)"
        )
    frame = frame.sort_values("row", kind="mergesort")
    proba_cols = [c for c in frame.columns if c.startswith(PROBA_PREFIX)]
    if task == "regression":
        preds = Predictions(frame["y_pred"].to_numpy(dtype=float))
        y_true = frame["y_true"].to_numpy(dtype=float)
    else:
        preds = Predictions(
            frame["y_pred"].astype(str).to_numpy(dtype=object),
            frame[proba_cols].to_numpy(dtype=float) if proba_cols else None,
            [c[len(PROBA_PREFIX) :] for c in proba_cols] or None,
        )
        y_true = frame["y_true"].astype(str).to_numpy(dtype=object)
    return RowPredictions(frame["row"].to_numpy(dtype=object), y_true, preds, str(path))


def challenger_predictions(store: RunStore, record: RunRecord, task: str) -> RowPredictions:
    if not record.predictions:
        raise PredictionsUnavailable(
            f"run {record.run_id} recorded no per-row test predictions (record.predictions is empty)",
            hint="rerun evaluation with an mlspec that writes predictions.csv (`mlspec evaluate --force`)",
        )
    path = store.run_dir(record.run_id) / record.predictions
    if not path.is_file():
        raise PredictionsUnavailable(
            f"the run's predictions {path} are missing", hint="rerun `mlspec evaluate --force` to write them again"
        )
    return read_predictions_csv(path, task)


def _test_digest(record: RunRecord) -> str | None:
    roles = {d.role: d.digest for d in record.data}
    return roles.get("test") or roles.get("source")


def _from_champion_run(store: RunStore, champion: Deployment, record: RunRecord, task: str) -> RowPredictions | None:
    run_id = champion.lineage.get("run_id")
    if not isinstance(run_id, str) or not run_id or "/" in run_id or run_id.startswith("."):
        return None
    try:
        old = store.load(run_id)
    except MlspecError:
        return None
    if not old.predictions or _test_digest(old) != _test_digest(record) or _test_digest(record) is None:
        return None
    if old.model is not None and old.model.tag != champion.model.tag:
        return None
    path = store.run_dir(run_id) / old.predictions
    return read_predictions_csv(path, task) if path.is_file() else None


def csv_keys(values: Any) -> Array:
    """Row keys as the predictions CSV spells them (written and read back the same way), so keys of any
    type (string IDs, integers, the index labels of a split) compare equal to the CSV's `row` column."""
    import io

    import pandas as pd

    text = pd.DataFrame({"row": list(values)}).to_csv(index=False)
    return pd.read_csv(io.StringIO(text), dtype={"row": str})["row"].to_numpy(dtype=object)


def _current_test_table(loaded: LoadedSpec) -> tuple[Any, Array]:
    """The current test table as the pipeline builds it (split included) and each row's key."""
    from mlspec.errors import DataError
    from mlspec.pipeline.data import load_tables

    try:
        tables = load_tables(loaded)
    except DataError as exc:
        raise PredictionsUnavailable(f"the current test data cannot be read: {exc.message}") from None
    test = tables.test
    return test, csv_keys(test[tables.index] if tables.index else test.index)


def _test_frame(loaded: LoadedSpec, rows: Array) -> Any:
    """The current test table's rows named by the predictions' keys (`data.index` values, else row labels),
    in the predictions' order: matched by key, never by position."""
    frame, keys = _current_test_table(loaded)
    where = loaded.spec.data.index and f"data.index column {loaded.spec.data.index!r}"
    positions: dict[Any, int] = {}
    for position, key in enumerate(keys):
        if key in positions:
            raise PredictionsUnavailable(
                f"the {where or 'test table index'} has the duplicate key {key!r}: rows cannot be matched by key",
                hint="make data.index a unique row id",
            )
        positions[key] = position
    missing = [key for key in rows if key not in positions]
    if missing:
        raise PredictionsUnavailable(
            f"{len(missing)} of the run's {len(rows)} prediction rows (e.g. key {missing[0]!r}) are not in the current "
            f"test table ({len(frame)} rows" + (f", keyed by the {where})" if where else ")"),
            hint="the test data changed after the run: rerun `mlspec evaluate --force` and gate again",
        )
    return frame.iloc[[positions[key] for key in rows]].reset_index(drop=True)


def _from_model(loaded: LoadedSpec, champion: Deployment, challenger: RowPredictions, task: str) -> RowPredictions:
    """The pickled model may import the training code's modules, when loaded and when predicting: both run with
    the project's code importable."""
    with user_code_path(*code_folders(loaded)):
        return _champion_predictions(loaded, champion, challenger, task)


def _champion_predictions(
    loaded: LoadedSpec, champion: Deployment, challenger: RowPredictions, task: str
) -> RowPredictions:
    from mlspec.state import model_store
    from mlspec.state.all_stores import archive_path
    from mlspec.store.models import check_deployed_store, deployed_archive

    tag, named = champion.model.tag, champion.model.artifact
    if champion.model.store:
        try:
            check_deployed_store(loaded.spec, champion.model.store, f"the champion's deploy file (model {tag})")
        except MlspecError as exc:  # never loaded: as a champion model that is not here (allow_missing_champion)
            raise ChampionModelMissing(exc.message, hint=exc.hint) from None
    try:  # the deploy file's exported model, imported when the store lacks it: as serve and the monitor do
        archive = deployed_archive(loaded.root, champion.model) or (  # from the model store, whatever its age
            archive_path(loaded.root, named, f"the champion's deploy file (model {tag})", project=loaded.spec.name)
            if named
            else None
        )
    except MlspecError as exc:
        raise PredictionsUnavailable(exc.message, hint=exc.hint) from None
    try:
        stored = model_store.get_or_import(tag, archive, "the champion's deploy file", hint="", say=sys.stderr)
        metadata = dict(stored.info.metadata)
        model = model_store.load_stored(stored)
    except model_store.ModelNotInStore as exc:
        raise ChampionModelMissing(
            f"the champion model {tag} is not in the local BentoML store ({model_store.bentoml_home()})"
            + (f" and its exported model {archive} is not here" if archive else "")
            + ", so its per-row test predictions cannot be computed",
            hint=(
                f"download the champion's model artifact ({named}) as CD does, so that {archive} exists"
                if archive
                else "import the champion's exported .bentomodel with `bentoml models import`"
            )
            + ", or set allow_missing_champion on the gate",
        ) from exc
    except MlspecError as exc:
        raise PredictionsUnavailable(
            f"the champion model {tag} could not be loaded: {exc.message}", hint=exc.hint
        ) from None
    except Exception as exc:  # noqa: BLE001 - unpickling user models can raise anything
        raise PredictionsUnavailable(
            f"the champion model {tag} could not be loaded: {type(exc).__name__}: {exc}"
        ) from None
    frame = _test_frame(loaded, challenger.rows)
    label = loaded.spec.data.label
    features = metadata.get("features") or [c for c in frame.columns if c != label]
    absent = [f for f in features if f not in frame.columns]
    if absent:
        raise PredictionsUnavailable(
            f"the champion {tag} needs the feature(s) {', '.join(absent[:5])}, "
            "which the current test table does not have"
        )
    if label in frame.columns:
        truth = frame[label].to_numpy()
        expected = truth.astype(float) if task == "regression" else truth.astype(str)
        same = (
            np.allclose(expected, challenger.y_true.astype(float))
            if task == "regression"
            else np.array_equal(expected, challenger.y_true)
        )
        if not same:
            raise PredictionsUnavailable(
                "the test rows of the run's predictions do not match the current test table (labels differ)",
                hint="the test data changed after the run: rerun `mlspec run` and gate again",
            )
    X = frame[list(features)]
    try:
        y_pred = np.asarray(model.predict(X))
        proba, classes = None, None
        if task != "regression" and hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X), dtype=float)
            raw = metadata.get("classes") or list(getattr(model, "classes_", []))
            classes = [str(c) for c in raw] if len(raw) == proba.shape[1] else None
            proba = proba if classes else None
    except Exception as exc:  # noqa: BLE001 - user model code
        raise PredictionsUnavailable(
            f"the champion model {tag} failed to predict the test set: {type(exc).__name__}: {exc}"
        ) from None
    if task == "regression":
        preds = Predictions(y_pred.astype(float))
    else:
        preds = Predictions(np.asarray([str(v) for v in y_pred], dtype=object), proba, classes)
    return RowPredictions(challenger.rows, challenger.y_true, preds, f"model {tag} on the current test set")


def _same_truth(a: RowPredictions, b: RowPredictions, task: str) -> bool:
    if task == "regression":
        return bool(np.allclose(a.y_true.astype(float), b.y_true.astype(float)))
    return bool(np.array_equal(a.y_true, b.y_true))


def champion_predictions(
    loaded: LoadedSpec, store: RunStore, record: RunRecord, champion: Deployment, challenger: RowPredictions, task: str
) -> RowPredictions:
    """The champion's predictions on exactly the challenger's rows."""
    old = _from_champion_run(store, champion, record, task)
    if old is not None and np.array_equal(old.rows, challenger.rows) and _same_truth(old, challenger, task):
        return old
    return _from_model(loaded, champion, challenger, task)
