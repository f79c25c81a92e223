"""Workflows of a project that trains on Ray (issue 27): the Ray client is installed only for such projects,
and the Jobs address secret reaches the train step only (not the job, not the other steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.helpers import run_cli
from tests.render.specs import VARIANTS, write_repo


def _render(tmp_path: Path, variant: str) -> dict[str, dict[str, Any]]:
    root = tmp_path / variant
    root.mkdir()
    write_repo(root, VARIANTS[variant])
    result = run_cli("render", "mlproject.yaml", cwd=root)
    assert result.returncode == 0, result.stderr
    return {p.name: yaml.safe_load(p.read_text()) for p in (root / ".github" / "workflows").glob("*.yml")}


def _steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_name, step) for job_name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def test_the_train_step_alone_gets_the_address_and_ray_is_installed_before_it(tmp_path: Path) -> None:
    workflows = _render(tmp_path, "ray-engine")
    for name in ("mlspec-churn-ci.yml", "mlspec-churn-ct.yml"):
        text = yaml.safe_dump(workflows[name])
        assert text.count("secrets.RAY_JOBS_ADDRESS") == 1, name
        steps = [step for _, step in _steps(workflows[name])]
        names = [step.get("name") for step in steps]
        train = names.index("Train and evaluate")
        assert steps[train]["env"] == {"RAY_JOBS_ADDRESS": "${{ secrets.RAY_JOBS_ADDRESS }}"}
        install = steps[train - 1]
        assert install["name"] == "Install the Ray client (train.engine.ray)"
        assert install["env"]["MLSPEC_RAY_PACKAGE"].startswith("ray[default]")
    for name, workflow in workflows.items():
        if name not in ("mlspec-churn-ci.yml", "mlspec-churn-ct.yml"):
            assert "RAY_JOBS_ADDRESS" not in yaml.safe_dump(workflow), name


def test_projects_training_locally_install_no_ray(tmp_path: Path) -> None:
    for workflow in _render(tmp_path, "default").values():
        assert "ray[default]" not in yaml.safe_dump(workflow)
        assert "Install the Ray client" not in yaml.safe_dump(workflow)
