"""deepchecks 0.19.1 under scikit-learn >= 1.6: three small repairs so that its regression checks run.

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

Each repair is applied only when the installed scikit-learn needs it, once per process. The numbers are the
ones deepchecks computes with the scikit-learn it was written for; tests/pipeline/test_check_status.py runs
both checks on a real regressor.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

_LOCK = threading.Lock()
_APPLIED = False


def _needs_squared_shim() -> bool:
    from sklearn.metrics import mean_squared_error

    return "squared" not in inspect.signature(mean_squared_error).parameters


def _mean_squared_error(y_true: Any, y_pred: Any, *args: Any, squared: bool = True, **kwargs: Any) -> Any:
    """``mean_squared_error`` as scikit-learn < 1.6 had it: ``squared=False`` is the root."""
    from sklearn.metrics import mean_squared_error, root_mean_squared_error

    return (mean_squared_error if squared else root_mean_squared_error)(y_true, y_pred, *args, **kwargs)


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
            fixed = {"mean_squared_error": make_scorer(mean_squared_error), "mse": make_scorer(mean_squared_error),
                     "root_mean_squared_error": make_scorer(root_mean_squared_error),
                     "rmse": make_scorer(root_mean_squared_error)}
            for table in (scorers.regression_scorers_lower_is_better_dict, scorers._str_to_scorer_dict):
                table.update(fixed)
        from deepchecks.tabular.context import _DummyModel

        for private, public in (("_predict", "predict"), ("_predict_proba", "predict_proba")):
            function = getattr(_DummyModel, private, None)
            if function is not None and getattr(function, "__name__", public) == private:
                function.__name__ = public
