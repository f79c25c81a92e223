from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.render.commands import plan_targets, write_targets
from tests.deploy.projects import k8s_project


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Kubernetes project rendered: its folder (manifests in deploy/k8s/)."""
    root = tmp_path_factory.mktemp("k8s") / "repo"
    spec = k8s_project(root)
    write_targets(plan_targets([str(spec)], None, str(root)))
    return root
