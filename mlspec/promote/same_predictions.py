"""Whether two runs made the same test-set predictions: CT's run after a merge and the pull request's CI run whose
report the reviewers saw (mlspec/promote/reviewed.py). Both are `predictions.csv` files (columns `row`, `y_true`,
`y_pred`, `proba_<class>`...; mlspec.pipeline.metrics.predictions_csv).

Rows are matched by their `row` key (the data's index), in the order of the file when keys repeat. Labels
(`y_pred` of a classifier, and `y_true`) are compared exactly, as text; numbers (`y_pred` of a regression, the
`proba_*` columns) within a tolerance: |a - b| <= max(REL_TOL * max(|a|, |b|), ABS_TOL). The files keep 10
significant digits, so the tolerance only absorbs the last printed digit flipping between machines (BLAS, CPU).

The reviewed file comes from a pull request's CI run (untrusted): it is parsed as CSV text and compared, never
loaded as a model or executed; the caller escapes what it shows of it."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

ABS_TOL = 1e-9
REL_TOL = 1e-8
EXAMPLES = 5
MAX_COLUMNS_SHOWN = 10  # extra columns named in a difference (the rest are counted)
KEY = "row"


@dataclass
class Difference:
    row: str
    column: str
    ours: str
    reviewed: str


@dataclass
class Comparison:
    """The outcome: ``same`` when every row and every prediction agree."""

    rows: int = 0  # rows of CT's run
    differing: int = 0  # rows (matched in both files) with at least one prediction that differs
    examples: list[Difference] = field(default_factory=list)
    max_abs: float | None = None  # largest |ours - reviewed| over the numeric columns (None: no numeric column)
    problems: list[str] = field(default_factory=list)  # structural: columns or rows one side lacks

    @property
    def same(self) -> bool:
        return not self.problems and self.differing == 0


def _frame(data: bytes, label: str) -> object:
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise ValueError(f"{label} predictions are not a CSV table: {str(exc).splitlines()[0][:200]}") from None
    missing = [c for c in (KEY, "y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise ValueError(f"{label} predictions have no column {', '.join(missing)}")
    return frame


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


def _columns(names: list[str]) -> str:
    """Column names as code spans (the reviewed side's come from a pull request's CI artifact, which its code could
    write: they reach the promotion pull request body), at most MAX_COLUMNS_SHOWN of them."""
    from mlspec.markdown import code

    shown = ", ".join(code(name, 80) for name in sorted(names)[:MAX_COLUMNS_SHOWN])
    return shown + (f" and {len(names) - MAX_COLUMNS_SHOWN} more" if len(names) > MAX_COLUMNS_SHOWN else "")


def compare_predictions(ours: bytes, reviewed: bytes, task: str) -> Comparison:
    """Compare CT's predictions (``ours``) with the reviewed run's; ValueError when either is not a predictions
    table (the message says which)."""
    import pandas as pd

    mine = _frame(ours, "this run's")
    theirs = _frame(reviewed, "the reviewed run's")
    assert isinstance(mine, pd.DataFrame) and isinstance(theirs, pd.DataFrame)
    result = Comparison(rows=len(mine))
    numeric = [c for c in mine.columns if c.startswith("proba_")] + (["y_pred"] if task == "regression" else [])
    exact = [c for c in ("y_true", "y_pred") if c not in numeric]
    for side, frame, other in (("the reviewed run", theirs, mine), ("this run", mine, theirs)):
        extra = [c for c in frame.columns if c not in other.columns and c.startswith("proba_")]
        if extra:
            result.problems.append(f"only {side} has the column(s) {_columns(extra)}")
    # the n-th occurrence of a key matches the n-th occurrence of the same key on the other side
    for frame in (mine, theirs):
        frame["__n"] = frame.groupby(KEY, sort=False).cumcount()
    joined = mine.merge(theirs, on=[KEY, "__n"], how="outer", suffixes=("", "__r"), indicator=True, sort=False)
    only_ours = int((joined["_merge"] == "left_only").sum())
    only_theirs = int((joined["_merge"] == "right_only").sum())
    if only_ours:
        result.problems.append(f"{only_ours} row(s) of this run are not in the reviewed run")
    if only_theirs:
        result.problems.append(f"{only_theirs} row(s) of the reviewed run are not in this run")
    both = joined[joined["_merge"] == "both"]
    shared = [c for c in numeric if c + "__r" in both.columns]
    differs = pd.Series(False, index=both.index)
    for column in exact:
        bad = both[column] != both[column + "__r"]
        differs |= bad
        _examples(result, both[bad], column)
    for column in shared:
        a = pd.to_numeric(both[column], errors="coerce")
        b = pd.to_numeric(both[column + "__r"], errors="coerce")
        unparsable = (a.isna() & (both[column] != "")) | (b.isna() & (both[column + "__r"] != ""))
        gap = (a - b).abs()
        finite = gap[gap.notna()]
        if len(finite):
            top = float(finite.max())
            result.max_abs = top if result.max_abs is None else max(result.max_abs, top)
        elif result.max_abs is None:
            result.max_abs = 0.0
        bad = pd.Series([not close(x, y) for x, y in zip(a, b, strict=True)], index=both.index, dtype=bool)
        bad |= unparsable
        differs |= bad
        _examples(result, both[bad], column)
    result.differing = int(differs.sum())
    return result


def _examples(result: Comparison, rows: object, column: str) -> None:
    import pandas as pd

    assert isinstance(rows, pd.DataFrame)
    for _, item in rows.head(EXAMPLES - len(result.examples)).iterrows():
        result.examples.append(Difference(str(item[KEY]), column, str(item[column]), str(item[column + "__r"])))
