"""mlspec.figures: the plots' matplotlib import skips the property docstrings, and draws the same PNG bytes."""

from __future__ import annotations

import subprocess
import sys

import pytest

DRAW = """
import io, sys
{setup}
from mlspec.figures import agg_figure
figure = agg_figure(figsize=(6, 3), dpi=90)
import matplotlib.artist, matplotlib.lines
left, right = figure.subplots(1, 2)
left.bar(["challenger", "champion"], [0.97, 0.95], color=["#2f80ed", "#6b7785"])
left.set_title("roc_auc")
right.plot([1, 2, 3, 4], [0.91, 0.93, 0.92, 0.97], marker="o")
right.axhline(0.95, linestyle="--")
right.annotate("0.970", (4, 0.97))
figure.tight_layout()
buffer = io.BytesIO()
figure.savefig(buffer, format="png")
sys.stdout.buffer.write(buffer.getvalue())
sys.stderr.write(repr((matplotlib.artist.kwdoc.__name__, "agg_filter" in (matplotlib.lines.Line2D.set.__doc__ or ""))))
"""


def draw(setup: str) -> tuple[bytes, str]:
    done = subprocess.run([sys.executable, "-c", DRAW.format(setup=setup)], capture_output=True, check=True)
    return done.stdout, done.stderr.decode()


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_the_fast_import_draws_the_same_png_and_restores_kwdoc() -> None:
    fast, fast_state = draw("")
    plain, plain_state = draw("import matplotlib.figure  # matplotlib's own import first: agg_figure skips its own")
    assert fast.startswith(b"\x89PNG") and len(fast) > 1000
    assert fast == plain
    # the docstrings were skipped only where mlspec imported matplotlib, and kwdoc is matplotlib's own again
    assert fast_state == "('kwdoc', False)"
    assert plain_state == "('kwdoc', True)"
