"""The shipped deepchecks catalog matches the installed deepchecks, and `mlspec validate` checks
check, condition and parameter names with it without importing deepchecks (issue 14 item 2)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlspec.spec import check_catalog
from mlspec.spec.models import DEGRADATION_LIMITS, ModelTests


@pytest.mark.slow  # imports deepchecks to generate the catalogue again: runs in `make test`
def test_catalog_is_generated_from_the_installed_deepchecks() -> None:
    shipped = check_catalog.CATALOG_PATH.read_text(encoding="utf-8")
    assert shipped == check_catalog.render(check_catalog.generate()), (
        "regenerate it: .venv/bin/python scripts/deepchecks_catalog.py"
    )
    assert check_catalog.catalog()["deepchecks"] == "0.19.1"


def test_validate_checks_names_without_importing_deepchecks(tmp_path: Path) -> None:
    (tmp_path / "mlproject.yaml").write_text(
        textwrap.dedent("""\
        apiVersion: mlspec/v1
        name: churn
        data: {source: all.csv, label: y}
        train: {entrypoint: train.py:train}
        evaluate: {task: binary}
        tests:
          data: {skip: [OutlierSampleDetection, FeatureDrfit]}
          model:
            skip: [BoostingOverfit]
            checks:
              - name: TrainTestPerformance
                conditions: [{name: train_test_relative_degradation_less_then, params: {threshold: 0.3}}]
        """)
    )
    code = textwrap.dedent(f"""\
        import sys
        from mlspec.spec.validate import check_file
        result = check_file(__import__("pathlib").Path({str(tmp_path / "mlproject.yaml")!r}), check_files=False)
        print([(i.key, i.message, i.hint) for i in result.issues])
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("deepchecks", "sklearn", "pandas")))
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == str(
        [
            (
                "tests.data.skip[1]",
                "check 'FeatureDrfit' is not in the data suites (data_integrity, train_test_validation)",
                "did you mean 'FeatureDrift'?",
            ),
            (
                "tests.model.checks[0].conditions[0].name",
                "TrainTestPerformance has no condition 'train_test_relative_degradation_less_then'",
                "did you mean 'train_test_relative_degradation_less_than'?",
            ),
        ]
    )
    assert out[1] == "[]"


def test_the_documented_degradation_limits_are_the_ones_used() -> None:
    doc = " ".join((ModelTests.__doc__ or "").split())
    for task, limit in DEGRADATION_LIMITS.items():
        assert f"{task} {limit}" in doc
