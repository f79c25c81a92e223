"""Every library version mlspec records (run record, stage cache keys, so the report and the card) is the
installed one, looked up under the right distribution name (issue 22 item 2.3: records said `mlspec not
installed`: the distribution is `mlspec-gitops`)."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path

import mlspec
from mlspec.pipeline.cache import compute_inputs
from mlspec.pipeline.fingerprint import StatCache
from mlspec.pipeline.runner import versions
from mlspec.spec import load_spec
from mlspec.state.layout import StateLayout
from tests.pipeline.conftest import write_project

# A record's library name -> the distribution that installs it (written out here, independently of mlspec).
DISTRIBUTION = {
    "mlspec": "mlspec-gitops",
    "numpy": "numpy",
    "pandas": "pandas",
    "scikit-learn": "scikit-learn",
    "deepchecks": "deepchecks",
    "bentoml": "bentoml",
    "xxhash": "xxhash",
}


def test_each_recorded_version_is_the_installed_distribution() -> None:
    recorded = versions()
    assert set(recorded) == {*DISTRIBUTION, "python"}
    for name, distribution in DISTRIBUTION.items():
        assert recorded[name] == version(distribution), name
    assert recorded["python"] == platform.python_version()
    assert mlspec.__version__ == version("mlspec-gitops")  # what the gate decision and the Bento labels carry


def test_the_stage_cache_keys_name_the_installed_versions(tmp_path: Path) -> None:
    loaded = load_spec(write_project(tmp_path / "p") / "mlproject.yaml")
    inputs = compute_inputs(loaded, StatCache(StateLayout(loaded.root).stat_cache))
    seen = {
        key.split(":", 1)[1]: value
        for components in inputs.components.values()
        for key, value in components.items()
        if key.startswith("version:")
    }
    assert seen["mlspec"] == version("mlspec-gitops")
    assert seen["scikit-learn"] == version("scikit-learn") and seen["numpy"] == version("numpy")
    assert "not installed" not in seen.values()
