"""The CD workflow's release path as rendered: a `changes` job, a build job per environment in the
GitHub Environment of that name, the next environments' promotion jobs (on the build's success, hourly
with soak_hours, by hand) and the rollback job with its workflow_dispatch inputs."""

from __future__ import annotations

from pathlib import Path

import yaml


def _cd(rendered_variants: dict[str, list[Path]], variant: str) -> dict:
    path = next(p for p in rendered_variants[variant] if p.name.endswith("-cd.yml"))
    return yaml.safe_load(path.read_text())


def test_cd_chains_environments_with_soak_and_dispatch_inputs(rendered_variants: dict[str, list[Path]]) -> None:
    workflow = _cd(rendered_variants, "environments")
    on = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert on["schedule"] == [{"cron": "17 * * * *"}]  # production has soak_hours
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["promote"]["options"] == ["none", "staging", "production"]
    assert inputs["rollback"]["options"] == ["none", "dev", "staging", "production"]
    assert inputs["rollback-to"]["type"] == "string"
    jobs = workflow["jobs"]
    assert list(jobs) == [
        "changes",
        "build-dev",
        "build-staging",
        "build-production",
        "promote-staging",
        "promote-production",
        "rollback",
    ]
    assert {jobs[f"build-{e}"]["environment"] for e in ("dev", "staging", "production")} == {
        "dev",
        "staging",
        "production",
    }
    assert jobs["build-production"]["if"] == "${{ needs.changes.outputs.production == 'true' }}"
    staging, production = jobs["promote-staging"], jobs["promote-production"]
    assert staging["needs"] == "build-dev" and production["needs"] == "build-staging"
    assert "github.event_name == 'schedule'" not in staging["if"]  # no soak_hours: only on the build's success
    assert "github.event_name == 'schedule'" in production["if"]
    assert "inputs.promote == 'production'" in production["if"]
    step = production["steps"][-1]
    assert step["with"]["from-environment"] == "staging"
    assert step["with"]["soak"] == "${{ github.event_name != 'workflow_dispatch' }}"
    assert "soak" not in staging["steps"][-1]["with"]
    rollback = jobs["rollback"]
    assert rollback["if"] == "${{ github.event_name == 'workflow_dispatch' && inputs.rollback != 'none' }}"
    assert rollback["steps"][-1]["with"]["environment"] == "${{ inputs.rollback }}"


def test_one_environment_has_no_promote_input_and_no_schedule(rendered_variants: dict[str, list[Path]]) -> None:
    workflow = _cd(rendered_variants, "default")
    on = workflow[True]
    assert "schedule" not in on and "promote" not in on["workflow_dispatch"]["inputs"]
    assert not [job for job in workflow["jobs"] if job.startswith("promote-")]
    assert "PROMOTE" not in workflow["jobs"]["changes"]["steps"][-1]["env"]
