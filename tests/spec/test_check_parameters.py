"""A configured check's parameters are checked against what deepchecks really reads: every tabular check's constructor
takes **kwargs, but they end in BaseCheck, which reads only `n_samples` and drops the rest, so `scorer:` for
`scorers:` ran the check with its default scorers and `mlspec validate` said nothing. Parameters a constructor passes
on to its parent (a deprecated alias such as TrainTestFeatureDrift) are the parent's."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mlspec.spec import check_catalog
from mlspec.spec.models import Spec
from mlspec.spec.semantic import Finding, semantic_findings

MINIMAL: dict[str, Any] = {
    "apiVersion": "mlspec/v1",
    "name": "plants",
    "data": {"train": "data/train.csv", "test": "data/test.csv", "label": "condition"},
    "train": {"entrypoint": "src/train.py:train"},
    "evaluate": {"task": "multiclass"},
}


def _findings(kind: str, check: dict[str, Any]) -> list[Finding]:
    doc = copy.deepcopy(MINIMAL)
    doc["tests"] = {kind: {"checks": [check]}}
    return semantic_findings(Spec.model_validate(doc), Path("."), check_files=False)


def test_a_misspelt_check_parameter_is_reported_with_a_did_you_mean() -> None:
    assert _findings("model", {"name": "SingleDatasetPerformance", "params": {"scorer": ["f1_macro"]}}) == [
        Finding(
            ("tests", "model", "checks", 0, "params", "scorer"),
            "SingleDatasetPerformance has no parameter 'scorer'",
            "unknown-parameter",
            "did you mean 'scorers'?",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "name", "params"),
    [
        ("model", "SingleDatasetPerformance", {"scorers": ["f1_macro"], "n_samples": 500}),
        ("data", "TrainTestFeatureDrift", {"columns": ["region"], "n_top_columns": 3}),  # FeatureDrift's, passed on
        ("data", "CategoryMismatchTrainTest", {"max_new_categories_to_show": 2}),  # NewCategoryTrainTest's
        ("data", "DatasetsSizeComparison", {"n_samples": 100}),  # no constructor of its own: BaseCheck's n_samples
    ],
)
def test_parameters_deepchecks_reads_pass(kind: str, name: str, params: dict[str, Any]) -> None:
    assert _findings(kind, {"name": name, "params": params}) == []


def test_no_check_of_the_catalog_takes_any_keyword() -> None:
    assert [n for n, info in check_catalog.catalog()["checks"].items() if info["any_keyword"]] == []
