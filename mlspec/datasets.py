"""Small tables made from datasets bundled with scikit-learn (nothing is downloaded).

Used by `mlspec init`, the examples and the tests, so everyone trains on the same data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["breast_cancer", "wine", "diabetes"]

LABELS: dict[str, str] = {"breast_cancer": "benign", "wine": "cultivar", "diabetes": "progression"}


def load_frame(kind: Kind) -> pd.DataFrame:
    import pandas as pd
    from sklearn import datasets

    loader = {
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
    }[kind]
    bunch = loader()
    columns = [str(name).replace(" ", "_").replace("/", "_") for name in bunch.feature_names]
    frame = pd.DataFrame(bunch.data, columns=columns).round(6)
    frame[LABELS[kind]] = bunch.target
    return frame


def write_split(kind: Kind, folder: Path, *, test_size: float = 0.25, seed: int = 7) -> tuple[Path, Path]:
    """Write train.csv and test.csv (seeded, stratified for classification) into ``folder``."""
    from sklearn.model_selection import train_test_split

    frame = load_frame(kind)
    stratify = None if kind == "diabetes" else frame[LABELS[kind]]
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=stratify)
    folder.mkdir(parents=True, exist_ok=True)
    train_path, test_path = folder / "train.csv", folder / "test.csv"
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    return train_path, test_path
