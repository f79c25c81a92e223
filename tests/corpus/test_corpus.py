"""Every corpus project through the whole local loop (tests/corpus/README.md says what each covers). The loop runs
once per project (the first of its tests runs it, the others read what it left); each step is its own test, so a
known bug (issue 22 item 2.N, fixed in parallel) is an xfail of exactly the steps it breaks, strict, so the mark
must go when the fix lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.checks import CHECKS
from tests.corpus.loop import LoopResult, run_loop
from tests.corpus.projects import PROJECTS

# Known bugs, fixed in parallel: the reason each xfail names.
LINEAGE = "issue 22 item 2.3: records name `mlspec not installed` (the distribution is mlspec-gitops)"
ROLLBACK = "issue 22 item 2.4: the rollback leaves the card of the model rolled back from; its commit says promote"


def _defaults(why: str) -> str:
    return f"issue 22 item 2.7: the default conditions fail healthy data ({why}), so promotion needs an override"


SERVING = "issue 22 item 2.1: `mlspec test serving` sends a missing string as NaN, the service answers 400"
NOT_PROMOTED = " (so the gate fails and nothing is promoted, built, served, drifted or rolled back)"
HELPER = "issue 22 item 2.2: a model whose code is a module beside the entrypoint cannot be loaded after training"
AFTER_PROMOTION = (
    "build",
    "serve_rows",
    "serve_null_row",
    "serve_wrong_type",
    "serve_extra_field",
    "drift",
    "rollback",
)


def _defaults(why: str) -> str:
    return f"issue 22 item 2.7: the default conditions fail healthy data ({why}), so promotion needs an override"


# (project, step) -> the known bug that makes the step fail today
KNOWN: dict[tuple[str, str], str] = {
    **{(name, "lineage"): LINEAGE for name in PROJECTS},
    **{(name, "rollback_card"): ROLLBACK for name in PROJECTS},
    **{
        ("breast-cancer-ids", step): _defaults(
            "FeatureLabelCorrelation on the test set: PPS of worst_area 0.83, worst_radius 0.81 > 0.8; "
            "IdentifierLabelCorrelation: PPS of the random patient_id 0.15 > 0 on 143 test rows"
        )
        for step in ("run", "gate", "promote")
    },
    **{
        ("churn-yes-no", step): SERVING + NOT_PROMOTED for step in ("test_serving", "gate", "promote", *AFTER_PROMOTION)
    },
    **{
        ("churn-stayed", step): HELPER
        + " (`from features import TenureBuckets`): training fails"
        + (" (then item 2.6: the positive class is churned, not the alphabetically last)" if step == "metrics" else "")
        for step in ("run", "test_serving", "gate", "metrics", "promote", *AFTER_PROMOTION)
    },
    **{
        ("fraud-imbalanced", step): _defaults(
            "model tests: TrainTestPerformance, recall of class True degrades 33% with 30 positives in the test set; "
            "ModelInferenceTime 2.7 ms > 1 ms per row on a loaded 2-core machine"
        )
        for step in ("run", "gate", "promote")
    },
    **{
        ("digits", step): _defaults(
            "on a random split of 1,797 images: IsSingleValue, pixel_7_0 is constant in the test set (not in the "
            "table); FeatureFeatureCorrelation, pixel_0_2/pixel_7_2 > 0.9"
        )
        for step in ("run", "gate", "promote")
    },
    **{
        ("merchant-risk", step): _defaults(
            "NewCategoryTrainTest: 0.4% of the test rows have a merchant unseen in training, the limit is 0%; "
            "with 700 merchants any split has some. The model tests fail too, partly for the model's own weakness at "
            "a 0.5 threshold: TrainTestPerformance (recall of class 1 degrades 45%), SimpleModelComparison (F1 gain "
            "of class 0 1.6% < 10%)"
        )
        for step in ("run", "gate", "promote")
    },
    **{
        ("iris-ids", step): _defaults(
            "FeatureLabelCorrelation: PPS of petal_width_cm 0.9 (train) / 1.0 (test), petal_length_cm 0.85 > 0.8; "
            "FeatureFeatureCorrelation petal_length_cm/petal_width_cm > 0.9; FeatureLabelCorrelationChange: "
            "sepal_width_cm PPS difference 0.27 > 0.2 on 45 test rows"
        )
        for step in ("run", "gate", "promote")
    },
    **{
        ("support-tickets", step): SERVING + NOT_PROMOTED
        for step in ("test_serving", "gate", "promote", *AFTER_PROMOTION)
    },
    **{
        ("wine-lots", step): "issue 22 items 2.7 and 2.5: on a random split of 178 rows FeatureDrift (malic_acid 0.23, "
        "ash 0.2 > 0.2), FeatureLabelCorrelationChange (PPS difference od280_od315 0.31, alcalinity_of_ash 0.27, "
        "flavanoids 0.24 > 0.2), MultivariateDrift (0.36 > 0.25) and FeatureFeatureCorrelation on the test set "
        "(flavanoids/total_phenols > 0.9) fail the data tests, ModelInferenceTime (1.1 ms > 1 ms) the model tests; "
        "TrainTestPerformance and SimpleModelComparison error on the string labels"
        for step in ("run",)
    },
    **{("wine-lots", step): SERVING + NOT_PROMOTED for step in ("test_serving", "gate", "promote", *AFTER_PROMOTION)},
}

# Not strict, the one exception: deepchecks' ModelInferenceTime (< 1 ms per row by default) passes on an idle machine
# and fails on a loaded one, so these steps flip with the machine's load, not with a fix. Observed on the 2-core
# machine shared with 7 other test runs (load ~14): houses-missing 3.1 ms (train) / 21.8 ms (test), fraud-imbalanced
# 2.7 ms, wine-lots 1.1 ms.
INFERENCE_TIME = (
    "issue 22 item 2.7: ModelInferenceTime (< 1 ms per row) fails the model tests on a loaded 2-core machine "
    "(not strict: it passes on an idle one)"
)
LOAD_DEPENDENT: dict[tuple[str, str], str] = {
    (name, step): INFERENCE_TIME for name in PROJECTS for step in ("run", "gate", "promote")
}

_results: dict[str, LoopResult] = {}


def _cases() -> list[object]:
    cases: list[object] = []
    for name in PROJECTS:
        for step in CHECKS:
            marks = [pytest.mark.xdist_group(f"corpus-{name}")]
            if (name, step) in KNOWN:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(name, step)]))
            elif (name, step) in LOAD_DEPENDENT:
                marks.append(pytest.mark.xfail(strict=False, reason=LOAD_DEPENDENT[(name, step)]))
            cases.append(pytest.param(name, step, marks=marks, id=f"{name}-{step}"))
    return cases


@pytest.fixture(scope="session")
def corpus_bentoml_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One BentoML store for the whole corpus (per test process): the models and Bentos of every project."""
    return tmp_path_factory.mktemp("corpus-bentoml")


def loop_result(name: str, tmp_path_factory: pytest.TempPathFactory, bentoml_home: Path) -> LoopResult:
    if name not in _results:
        _results[name] = run_loop(name, tmp_path_factory.mktemp(f"corpus-{name}"), bentoml_home)
    return _results[name]


@pytest.mark.slow
@pytest.mark.timeout(
    2400
)  # the first step of a project runs its whole loop: ~4 min idle, 10-25 min on a loaded machine
@pytest.mark.parametrize("name, step", _cases())
def test_corpus_loop(name: str, step: str, tmp_path_factory: pytest.TempPathFactory, corpus_bentoml_home: Path) -> None:
    CHECKS[step](loop_result(name, tmp_path_factory, corpus_bentoml_home))


def test_the_corpus_covers_what_issue_22_asks() -> None:
    """At least 12 projects, and the README's table lists exactly them."""
    assert len(PROJECTS) >= 12
    readme = (Path(__file__).parent / "README.md").read_text()
    listed = [line.split("|")[1].strip(" `") for line in readme.splitlines() if line.startswith("| `")]
    assert listed == list(PROJECTS)
