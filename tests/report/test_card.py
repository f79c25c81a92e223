"""The model card's feature table is collapsed when it is long: 30 rows (breast-cancer) or 61 (digits) pushed
the card's metrics and failed checks a few screens down the promotion pull request."""

from __future__ import annotations

from pathlib import Path

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.card import OPEN_FEATURES, model_card
from mlspec.spec import load_spec
from mlspec.state.record import ModelRef
from tests.gate.support import make_record, outcome_of, project_with_gates


def _card(tmp_path: Path, n_features: int) -> str:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    features = {f"feature_{i}": "float" for i in range(n_features)}
    record = make_record(
        project,
        {"roc_auc": 0.9},
        tests={"data": outcome_of("data", 0, 1)},
        model=ModelRef(tag="breast-cancer:m", kind="classifier", features=features, classes=[0, 1]),
    )
    loaded = load_spec(project / "mlproject.yaml")
    return model_card(loaded, record, evaluate_gates(loaded, record, "staging"))


def test_a_long_feature_table_is_collapsed(tmp_path: Path) -> None:
    card = _card(tmp_path, 30)
    start = card.index("<details><summary>30 features: name, dtype, treated as</summary>")
    end = card.index("</details>", start)
    assert start < card.index("| feature (30) | dtype | treated as |") < card.index("| `feature_29` |") < end
    assert card.index("</details>\n\n") == end  # a blank line after it: what follows stays Markdown
    assert end < card.index("### Metrics vs the champion")


def test_a_short_feature_table_stays_open(tmp_path: Path) -> None:
    card = _card(tmp_path, OPEN_FEATURES)
    assert "<details>" not in card and f"| feature ({OPEN_FEATURES}) | dtype | treated as |" in card


def test_a_check_stopped_at_the_deadline_is_listed_as_not_passed(tmp_path: Path) -> None:
    """The card listed failed, errored, not applicable and skipped checks, and left out the ones stopped at
    `check_timeout_seconds`: a check that did not run read as one that passed."""
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    data = outcome_of("data", 0, 1)
    data.timed_out = ["FeatureDrift (train)"]
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": data})
    loaded = load_spec(project / "mlproject.yaml")
    card = model_card(loaded, record, evaluate_gates(loaded, record, "staging"))
    section = card[card.index("### Checks that failed, errored, did not apply or did not run") :]
    assert (
        "- ⏱️ data: **FeatureDrift (train)** stopped at the deadline (`tests.data.check_timeout_seconds`), not passed"
        in section
    )
