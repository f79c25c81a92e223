"""deepchecks' HTML report as mlspec writes it: plotly.js once per report (plotly >= 6 embedded it in every
figure), every figure drawn through the report's one copy; and deepchecks imported without rfc3987_syntax."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # runs deepchecks checks


def _report(tmp_path) -> str:
    from deepchecks.tabular import Dataset, Suite
    from deepchecks.tabular.checks import FeatureDrift, LabelDrift

    from mlspec.pipeline import dc_compat

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(0, 1, 200) for i in range(3)})
    frame["y"] = (frame["x0"] > 0).astype(int)
    train, test = (Dataset(part, label="y", cat_features=[]) for part in (frame.iloc[:120], frame.iloc[120:]))
    result = Suite("t", FeatureDrift(), LabelDrift()).run(train_dataset=train, test_dataset=test)
    dc_compat.apply_html()
    path = tmp_path / "report.html"
    result.save_as_html(str(path), as_widget=False)
    return path.read_text("utf-8")


def test_plotly_js_once_and_every_figure_drawn(tmp_path):
    from plotly.offline import get_plotlyjs

    text = _report(tmp_path)
    plotly_js = get_plotlyjs()
    assert text.count(plotly_js[:300]) == 1  # the report's own copy, none per figure
    assert len(text) < len(plotly_js) + 2_000_000
    figures = [s for s in re.findall(r"<script[^>]*>(.*?)</script>", text, re.S) if "Plotly.newPlot" in s]
    assert len(figures) >= 4  # FeatureDrift's three columns and LabelDrift
    assert all(s.startswith(dc_compat_start()) for s in figures)
    node = shutil.which("node")
    if node is None:
        return
    # each figure's script runs and plots once the report's requirejs module "plotly" is there
    program = tmp_path / "figures.js"
    program.write_text("const scripts = " + json.dumps(figures) + ";" + DRAW, "utf-8")
    out = subprocess.run([node, str(program)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(figures)


DRAW = """
let plotted = 0;
global.window = {}; global.document = {getElementById: () => ({closest: () => null})};
global.MutationObserver = function () { this.observe = () => {}; };
global.require = (names, body) => { if (names[0] === "plotly") body({newPlot: () => { plotted++; return Promise.resolve(); }}); };
for (const s of scripts) new Function(s)();
console.log(plotted);
"""


def dc_compat_start() -> str:
    from mlspec.pipeline.dc_compat import _REQUIRE_START

    return _REQUIRE_START


def test_deepchecks_imported_without_rfc3987_syntax_which_still_imports_later():
    program = (
        "import sys; from mlspec.pipeline.dc_compat import import_deepchecks; import_deepchecks(); "
        "assert 'deepchecks.tabular' in sys.modules; print('rfc3987_syntax' in sys.modules); "
        "import rfc3987_syntax; print('later')"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "later"]
