"""deepchecks 0.19.1 under scikit-learn >= 1.6 and plotly >= 6: small repairs so that its regression checks run
and its HTML reports hold plotly.js once.

deepchecks 0.19.1 (the last release) was written against scikit-learn < 1.6. With the scikit-learn mlspec pins
(1.7), three of its code paths raise instead of computing:

1. ``mean_squared_error(..., squared=False)`` (RegressionErrorDistribution's RMSE, RegressionSystematicError):
   scikit-learn 1.6 removed ``squared``; ``root_mean_squared_error`` computes the same number.
2. the named scorers ``mse``/``rmse``/``mean_squared_error``/``root_mean_squared_error`` (``make_scorer`` with
   ``squared=``): the same scorers built on ``mean_squared_error`` / ``root_mean_squared_error``.
3. ``_DummyModel`` (deepchecks' stand-in for a model given precomputed predictions; WeakSegmentsPerformance
   always uses one) binds ``predict = self._predict``; scikit-learn 1.7's scorers call the method by its
   ``__name__`` and refuse ``_predict`` on a regressor. The functions are renamed ``predict`` /
   ``predict_proba``: same code, the name scikit-learn expects.

4. each figure of a report is written with ``plotly.io.to_html(include_plotlyjs='require')``: plotly 6 dropped the
   ``'require'`` mode and now embeds all of plotly.js (4.8 MB) in every figure, on top of the copy the report
   already defines as a requirejs module once (the example's model-test report: 82 MB, 17 copies, over the
   per-run budget and so dropped, and seconds of CPU to write). The figure is written without plotly.js and its
   script wrapped in ``require(["plotly"], function(Plotly) {...})``, as plotly 5 wrote it (falling back to
   ``window.Plotly`` where no requirejs is loaded).

5. a multiclass scorer (TrainTestPerformance's and SimpleModelComparison's per-class precision, recall and F1)
   scores a stand-in model whose predictions are one-hot rows, one column per class, but whose ``classes_`` are
   the class labels. scikit-learn >= 1.6 checks the scorer's ``pos_label`` (1, the default of
   ``precision_score``) against ``classes_`` even for multiclass targets, so with labels that do not include 1
   (``'barolo'``, ``'grignolino'``, or 3/5/7) both checks raised "pos_label=1 is not a valid label" and never ran.
   The stand-in now answers with the one-hot columns' positions (0..k-1) as its ``classes_``, which is what its
   predictions are indexed by; the scores are still mapped back to the class labels by deepchecks.

Each repair is applied only when the installed scikit-learn or plotly needs it, once per process. The numbers are the
ones deepchecks computes with the scikit-learn it was written for; tests/pipeline/test_check_status.py runs
both checks on a real regressor.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

_LOCK = threading.Lock()
_APPLIED = False
_HTML_APPLIED = False


def _needs_squared_shim() -> bool:
    from sklearn.metrics import mean_squared_error

    return "squared" not in inspect.signature(mean_squared_error).parameters


def _mean_squared_error(y_true: Any, y_pred: Any, *args: Any, squared: bool = True, **kwargs: Any) -> Any:
    """``mean_squared_error`` as scikit-learn < 1.6 had it: ``squared=False`` is the root."""
    from sklearn.metrics import mean_squared_error, root_mean_squared_error

    return (mean_squared_error if squared else root_mean_squared_error)(y_true, y_pred, *args, **kwargs)


_REQUIRE_START = (
    '(typeof require !== "undefined" ? require : function(names, body) { body(window.Plotly); })'
    '(["plotly"], function(Plotly) {'
)


def _plotly_embeds_on_require() -> bool:
    """True when plotly's to_html no longer knows include_plotlyjs='require' (plotly >= 6 embeds plotly.js)."""
    import plotly.graph_objects as go
    from plotly.io import to_html

    return len(to_html(go.Figure(), include_plotlyjs="require", full_html=False, validate=False)) > 100_000


def _figure_html(fig: Any, *args: Any, include_plotlyjs: Any = True, **kwargs: Any) -> str:
    """plotly.io.to_html, with include_plotlyjs='require' as plotly 5 wrote it: no plotly.js, the figure's
    script run by requirejs once the report's one copy of plotly is defined."""
    from plotly.io import to_html

    if include_plotlyjs != "require":
        return str(to_html(fig, *args, include_plotlyjs=include_plotlyjs, **kwargs))
    text = str(to_html(fig, *args, include_plotlyjs=False, **kwargs))
    start, end = text.find("<script>"), text.rfind("</script>")
    if start < 0 or end < start:
        return text
    body = text[start + len("<script>") : end]
    return f'{text[:start]}<script type="text/javascript">{_REQUIRE_START}{body}}});{text[end:]}'


def apply_html() -> None:
    """Repair 4 (plotly.js once per report), when this plotly needs it (idempotent)."""
    global _HTML_APPLIED
    with _LOCK:
        if _HTML_APPLIED:
            return
        _HTML_APPLIED = True
        from deepchecks.core.serialization.check_result import html

        if _plotly_embeds_on_require():
            html.to_html = _figure_html


class OneHotColumns:
    """deepchecks' multiclass stand-in model (predictions as one-hot rows), with the one-hot columns' positions
    as its classes: what scikit-learn's scorers check ``pos_label`` against. Everything else is the stand-in's."""

    _estimator_type = "classifier"

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # Python's own wording: scikit-learn reads it (get_tags)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._inner, name)

    @property
    def classes_(self) -> Any:
        import numpy as np

        return np.arange(len(self._inner.model_classes))


def _needs_multiclass_classes_repair() -> bool:
    """True when scikit-learn checks a scorer's pos_label against a multiclass estimator's classes."""
    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils._response import _get_response_values

    class Probe(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn ships no types
        classes_ = np.array(["a", "b", "c"])

        def predict(self, X: Any) -> Any:
            return np.array(["a"] * len(X))

    try:
        _get_response_values(Probe(), np.zeros((1, 1)), "predict", pos_label=1)
    except ValueError:
        return True
    except Exception:  # noqa: BLE001 - another scikit-learn: leave deepchecks as it is
        return False
    return False


def _repair_multiclass_scorers() -> None:
    from deepchecks.tabular.metric_utils.scorers import DeepcheckScorer

    original = DeepcheckScorer._wrap_classification_model
    if getattr(original, "_mlspec_repair", False):
        return

    def wrap(self: Any, model: Any, data: Any) -> Any:
        wrapper = original(self, model, data)
        if getattr(wrapper, "is_binary", True) or not self.model_classes:
            return wrapper
        return OneHotColumns(wrapper)

    wrap._mlspec_repair = True  # type: ignore[attr-defined]
    DeepcheckScorer._wrap_classification_model = wrap


def apply() -> None:
    """Apply the repairs this scikit-learn needs (idempotent)."""
    global _APPLIED
    with _LOCK:
        if _APPLIED:
            return
        _APPLIED = True
        if _needs_squared_shim():
            from deepchecks.tabular.checks.model_evaluation import (
                regression_error_distribution,
                regression_systematic_error,
            )
            from deepchecks.tabular.metric_utils import scorers
            from sklearn.metrics import make_scorer, mean_squared_error, root_mean_squared_error

            for module in (regression_error_distribution, regression_systematic_error):
                module.mean_squared_error = _mean_squared_error
            fixed = {
                "mean_squared_error": make_scorer(mean_squared_error),
                "mse": make_scorer(mean_squared_error),
                "root_mean_squared_error": make_scorer(root_mean_squared_error),
                "rmse": make_scorer(root_mean_squared_error),
            }
            for table in (scorers.regression_scorers_lower_is_better_dict, scorers._str_to_scorer_dict):
                table.update(fixed)
        from deepchecks.tabular.context import _DummyModel

        for private, public in (("_predict", "predict"), ("_predict_proba", "predict_proba")):
            function = getattr(_DummyModel, private, None)
            if function is not None and getattr(function, "__name__", public) == private:
                function.__name__ = public
        if _needs_multiclass_classes_repair():
            _repair_multiclass_scorers()


def import_deepchecks() -> None:
    """``import deepchecks.tabular``, without rfc3987_syntax: deepchecks imports nbformat, nbformat jsonschema, and
    jsonschema builds rfc3987_syntax's Lark grammar at import when it is installed (1.3 s of CPU, a third of
    importing deepchecks) for its optional 'iri' format checks, which neither deepchecks nor mlspec uses. The module
    is hidden only while deepchecks is imported: importing it later still works."""
    import sys

    if "deepchecks.tabular" in sys.modules:
        return
    hide = "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None in sys.modules: ImportError
    try:
        import deepchecks.tabular  # noqa: F401
    finally:
        if hide and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
