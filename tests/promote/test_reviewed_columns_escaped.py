"""The reviewed run's predictions.csv comes from a pull request's CI artifact (its code ran there and could write it):
its column names reach the promotion pull request body, which mlspec writes with its promotion token, only escaped.

Before, an extra `proba_…` column of the reviewed side was joined into the body as it was: a column named
`proba_[x](https://evil.example) ![t](https://evil.example/t.png) @octo-org/admins <img src=x>` made a live link, a
tracking image, a team mention and HTML in mlspec's own pull request."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from mlspec.promote.reviewed import describe
from mlspec.promote.same_predictions import MAX_COLUMNS_SHOWN, compare_predictions

OURS = b"row,y_true,y_pred,proba_0,proba_1\na,0,0,0.9,0.1\nb,1,1,0.2,0.8\n"
HOSTILE = "proba_[x](https://evil.example/a) ![t](https://evil.example/t.png) @octo-org/admins <img src=x> #12"


def _reviewed(*extra: str) -> bytes:
    header = ",".join(["row", "y_true", "y_pred", "proba_0", "proba_1", *(f'"{c}"' for c in extra)])
    zeros = ",0" * len(extra)
    return f"{header}\na,0,0,0.9,0.1{zeros}\nb,1,1,0.2,0.8{zeros}\n".encode()


def _html(lines: list[str]) -> str:
    return MarkdownIt("commonmark").enable("table").render("\n".join(lines) + "\n")


def test_a_hostile_column_of_the_reviewed_run_is_inert_in_the_pull_request_body() -> None:
    result = compare_predictions(OURS, _reviewed(HOSTILE), "binary")
    assert not result.same and result.problems
    html = _html(describe(result))
    assert "<a " not in html and "<img" not in html, html
    outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "evil.example" not in outside_code and "@octo" not in outside_code and "#12" not in outside_code
    assert "evil.example/a" in html  # shown, literally, in a code span


def test_many_extra_columns_are_counted_not_all_listed() -> None:
    extra = [f"proba_c{i}" for i in range(500)]
    result = compare_predictions(OURS, _reviewed(*extra), "binary")
    (problem,) = result.problems
    assert problem.count("proba_c") == MAX_COLUMNS_SHOWN and "and 490 more" in problem
