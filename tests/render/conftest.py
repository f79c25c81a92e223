from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.render.commands import plan_targets, write_targets
from tests.helpers import EXAMPLES
from tests.render.specs import VARIANTS, runner_labels, write_repo


@pytest.fixture(scope="session")
def rendered_variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Every spec variant rendered into its own git repository: variant -> workflow files."""
    base = tmp_path_factory.mktemp("variants")
    out: dict[str, list[Path]] = {}
    for name, specs in VARIANTS.items():
        root = base / name
        write_repo(root, specs)
        write_targets(plan_targets([], None, str(root)))
        out[name] = sorted((root / ".github" / "workflows").glob("*.yml"))
    return out


@pytest.fixture(scope="session")
def variant_labels() -> list[str]:
    labels: list[str] = []
    for specs in VARIANTS.values():
        labels += runner_labels(specs)
    return sorted(set(labels))


def example_workflows() -> list[Path]:
    return sorted(EXAMPLES.glob("*/.github/workflows/*.yml"))
