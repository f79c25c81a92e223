"""The positive class of a binary task (`evaluate.positive_class`), resolved against the label values in the data.

`mlspec validate` cannot read the data cheaply, so the run's data stage resolves it when it loads the tables: the
default is 1 for 0/1 labels and True for booleans; any other pair of labels needs the spec to name one, and a
name that is not a label stops the run with the spec line, the labels found and a did-you-mean.
"""

from __future__ import annotations

import difflib
import json
import math
from typing import Any

from mlspec.errors import MlspecError
from mlspec.fsio import display_path

KEY = ("evaluate", "positive_class")
YAML_WORDS = {True: ("yes", "on", "true", "y"), False: ("no", "off", "false", "n")}


class PositiveClassError(MlspecError):
    """evaluate.positive_class is missing where it is needed, or names no label."""


def plain(value: Any) -> Any:
    """A label as a plain Python value (numpy scalars unwrapped)."""
    return value.item() if hasattr(value, "item") else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def default_positive(classes: list[Any]) -> Any | None:
    """1 for labels 0 and 1, True for booleans, else None (the spec must say)."""
    if len(classes) != 2:
        return None
    if all(isinstance(c, bool) for c in classes):
        return True
    if all(_is_number(c) for c in classes) and sorted(float(c) for c in classes) == [0.0, 1.0]:
        return next(c for c in classes if float(c) == 1.0)
    return None


def _matches(label: Any, given: Any, raw: str | None) -> bool:
    if isinstance(label, bool) or isinstance(given, bool):
        if isinstance(label, bool) and isinstance(given, bool):
            return label is given
        if isinstance(label, str) and isinstance(given, bool):  # `positive_class: yes` and labels "yes"/"no"
            return label == raw if raw is not None else label.lower() in YAML_WORDS[given]
        return False
    if _is_number(label) and _is_number(given):
        return math.isclose(float(label), float(given), rel_tol=0, abs_tol=0)
    return str(label) == str(given)


def _location(loaded: Any) -> tuple[str, str | None]:
    """'mlproject.yaml:9:3' of evaluate.positive_class (or of `evaluate` when it is absent), and the value's text
    as written in the file (None when it is absent)."""
    from mlspec.spec.loader import parse_text

    where = display_path(loaded.path)
    try:
        doc = parse_text(loaded.path, loaded.text)
        position, found = doc.locate(KEY)
    except Exception:  # noqa: BLE001 - the spec was valid when loaded; a location is a courtesy
        return where, None
    raw = None
    value_at = doc.value_positions.get(KEY)
    if found == KEY and value_at is not None:
        line = loaded.text.splitlines()[value_at.line - 1]
        raw = line[value_at.column - 1 :].split("#")[0].strip().strip("\"'") or None
    return f"{where}:{position.line}:{position.column}", raw


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def resolve_positive_class(loaded: Any, labels: Any, source: str) -> Any | None:
    """The label value that is the positive class of a binary task (None for other tasks). ``labels``: the label
    column of the training rows; ``source``: where they were read (for messages)."""
    if loaded.spec.evaluate.task != "binary":
        return None
    classes = sorted({plain(v) for v in labels.dropna().unique()}, key=lambda v: (type(v).__name__, str(v)))
    given = loaded.spec.evaluate.positive_class
    label = loaded.spec.data.label
    listed = " and ".join(_shown(c) for c in classes)
    if given is None:
        default = default_positive(classes)
        if default is not None:
            return default
        where, _ = _location(loaded)
        example = json.dumps(classes[-1]) if classes else "..."
        raise PositiveClassError(
            f"{where}: evaluate.positive_class: the labels of {label!r} in {source} are {listed}, so mlspec "
            "cannot tell which is the positive class (precision, recall, f1 and roc_auc depend on it)",
            hint=f"name it under evaluate, e.g. `positive_class: {example}` (the default is 1 only for 0/1 labels "
            "and true only for boolean labels)",
        )
    where, raw = _location(loaded)
    found = [c for c in classes if _matches(c, given, raw)]
    if len(found) == 1:
        return found[0]
    words = [str(c) for c in classes]
    close = difflib.get_close_matches(raw or str(given), words, n=1, cutoff=0.4)
    if not close:
        close = [w for w in words if w.lower() == (raw or str(given)).lower()]
    guess = f"; did you mean {_shown(classes[words.index(close[0])])}?" if close else ""
    raise PositiveClassError(
        f"{where}: evaluate.positive_class: {_shown(given) if not isinstance(given, bool) else raw or given} is not a label of {label!r} in {source} "
        f"(its labels are {listed}){guess}",
        hint="set evaluate.positive_class to one of the labels, written as in the data (quote a word YAML would "
        'read as a boolean or number: positive_class: "yes")',
    )


def deepchecks_names(classes: list[Any], positive: Any) -> dict[Any, str] | None:
    """label -> the name deepchecks is shown, for a binary task whose positive class is not the last of the sorted
    labels: deepchecks' binary scorers (precision, recall, f1, roc_auc) score the last of its sorted classes as
    positive and refuse unsorted classes, so ``churned``/``stayed`` with ``positive_class: churned`` are shown as
    ``negative: stayed`` and ``positive: churned``. None when deepchecks already scores the positive class."""
    if positive is None or len(classes) != 2 or positive not in classes:
        return None
    try:
        if sorted(classes)[-1] == positive:
            return None
    except TypeError:  # labels of mixed types: rename them
        pass
    negative = next(c for c in classes if c != positive)
    return {negative: f"negative: {negative}", positive: f"positive: {positive}"}


class RenamedClasses:
    """A classifier whose classes deepchecks sees under other names (``deepchecks_names``): predictions renamed,
    probability columns in the order of the sorted new names; every other attribute is the model's own (feature
    importances, pipeline steps)."""

    def __init__(self, model: Any, names: dict[Any, str]) -> None:
        import numpy as np

        self._model = model
        self._names = names
        # the order of the model's probability columns: its classes_, else the sorted labels (np.unique's order)
        found = getattr(model, "classes_", None)
        own = [plain(c) for c in found] if found is not None else sorted(names, key=str)
        self.classes_ = np.array(sorted(names[c] for c in own), dtype=object)
        self._columns = [next(i for i, c in enumerate(own) if names[c] == name) for name in self.classes_]

    def predict(self, X: Any) -> Any:
        import numpy as np

        return np.array([self._names[plain(v)] for v in self._model.predict(X)], dtype=object)

    def predict_proba(self, X: Any) -> Any:
        import numpy as np

        return np.asarray(self._model.predict_proba(X))[:, self._columns]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_RenamedClasses"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._model, name)


def deepchecks_model(model: Any, tables: Any) -> tuple[Any, list[str]]:
    """The model as deepchecks gets it (RenamedClasses when the labels are renamed for it), and the report's note."""
    classes = [plain(c) for c in tables.train[tables.label].dropna().unique()]
    names = deepchecks_names(classes, getattr(tables, "positive_class", None))
    if not names:
        return model, []
    shown = " and ".join(f"{k!r} as {v!r}" for k, v in names.items())
    note = f"labels: deepchecks saw {shown}, so that its scorers count the positive class (evaluate.positive_class)"
    if model is not None:
        return RenamedClasses(model, names), [note]
    return model, [note]
