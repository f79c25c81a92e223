"""The deepchecks names `mlspec validate` checks without importing deepchecks (it takes seconds):
suite -> check names, check -> its keyword parameters and condition methods (without the
`add_condition_` prefix) with theirs. Shipped as `deepchecks_catalog.json` next to this module,
generated from the pinned deepchecks by `python scripts/deepchecks_catalog.py` (which calls
:func:`generate`); tests/spec/test_check_catalog.py regenerates it and compares."""

from __future__ import annotations

import inspect
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).with_name("deepchecks_catalog.json")
SUITES = ("data_integrity", "train_test_validation", "model_evaluation")
CONDITION_PREFIX = "add_condition_"


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return loaded


def suite_checks(suite: str) -> list[str]:
    return list(catalog()["suites"].get(suite, []))


def check_names() -> list[str]:
    return sorted(catalog()["checks"])


def check_info(name: str) -> dict[str, Any] | None:
    info: dict[str, Any] | None = catalog()["checks"].get(name)
    return info


def _parameters(function: Any, skip_first: bool) -> dict[str, Any]:
    params = list(inspect.signature(function).parameters.values())[1 if skip_first else 0 :]
    return {
        "params": sorted(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)),
        "any_keyword": any(p.kind == p.VAR_KEYWORD for p in params),
    }


def _check_parameters(cls: Any) -> dict[str, Any]:
    """The keyword parameters a check accepts: its constructor's and, while a constructor passes **kwargs on, those
    of the constructors above it in the MRO (TrainTestFeatureDrift(**kwargs) -> FeatureDrift's). deepchecks'
    BaseCheck takes **kwargs but reads only `n_samples` and drops the rest, so a misspelt parameter reaching it
    (`scorer:` for `scorers:`) was silently ignored: it is not "any keyword"."""
    from deepchecks.core.checks import BaseCheck

    names: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        if klass is BaseCheck:
            return {"params": sorted(names | {"n_samples"}), "any_keyword": False}
        found = _parameters(vars(klass)["__init__"], skip_first=True)
        names.update(found["params"])
        if not found["any_keyword"]:
            return {"params": sorted(names), "any_keyword": False}
    return {"params": sorted(names), "any_keyword": True}


def generate() -> dict[str, Any]:
    """The catalog of the installed deepchecks (imports it)."""
    import deepchecks
    import deepchecks.tabular.checks as checks
    from deepchecks.tabular import suites

    found: dict[str, Any] = {}
    for name in sorted(n for n in dir(checks) if n[:1].isupper()):
        cls = getattr(checks, name)
        if not inspect.isclass(cls):
            continue
        conditions = {
            method[len(CONDITION_PREFIX) :]: _parameters(getattr(cls, method), skip_first=True)
            for method in sorted(dir(cls))
            if method.startswith(CONDITION_PREFIX)
        }
        found[name] = {**_check_parameters(cls), "conditions": conditions}
    suite_map = {
        suite: [type(check).__name__ for check in getattr(suites, suite)().checks.values()] for suite in SUITES
    }
    return {"deepchecks": deepchecks.__version__, "suites": suite_map, "checks": found}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
