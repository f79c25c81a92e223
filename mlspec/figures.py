"""matplotlib figures for mlspec's PNG plots (the report's metrics, the monitor's drift), imported the fast way."""

from __future__ import annotations

import sys
from typing import Any


def agg_figure(figsize: tuple[float, float], dpi: int) -> Any:
    """A matplotlib Figure drawn by the Agg canvas: no pyplot, so no backend selection, GUI modules or global
    figure registry (what `import matplotlib.pyplot` costs on top)."""
    if "matplotlib.figure" not in sys.modules:
        _import_without_property_docs()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def _import_without_property_docs() -> None:
    """Import matplotlib's figure and Agg canvas without writing the property lists into docstrings.

    As matplotlib imports each Artist class it writes a docstring listing every settable property for the
    class's `set` method (and for the `%(Class:kwdoc)s` placeholders of others): ~70 ms of the ~0.4 s import,
    for documentation nobody reads in a command-line run. `matplotlib.artist.kwdoc`, which writes those lists,
    gives "" while these modules are imported and is restored afterwards. Drawing does not read docstrings:
    tests/test_figures.py checks the PNG bytes are the same as with matplotlib's own import."""
    import matplotlib.artist as artist

    original = artist.kwdoc
    artist.kwdoc = lambda *args, **kwargs: ""
    try:
        import matplotlib.backends.backend_agg
        import matplotlib.figure  # noqa: F401
    finally:
        artist.kwdoc = original
