"""Issue 26: a merged promotion pull request is the deployment, so the image must be in the registry, by digest,
before the promotion pull request opens. With `serve.container: {registry, push: true}` the rendered CT has an
`image` job, between the gate and the promotion, that alone holds the registry's write access: it runs only for
the default branch's CT after the gate passed, builds the run's model's image, pushes it by digest and hands the
digest (`.mlspec/images.json`) to the promote job as an artifact. Registry credentials reach that one step:
the secrets named in `serve.container.credentials`, or for ghcr.io the job's GITHUB_TOKEN with `packages: write`
on that job only. CD then builds no second image. Pull-request CI never sees any of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlspec.render.commands import plan_targets, write_targets
from tests.render.specs import BASE, VARIANTS, merged, write_repo

DEFAULT_BRANCH_ONLY = (
    "(github.event_name == 'schedule' || "
    "github.ref == format('refs/heads/{0}', github.event.repository.default_branch))"
)


def _render(root: Path, specs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    paths = write_repo(root, specs)
    write_targets(plan_targets([str(p) for p in paths], None, str(root)))
    return {
        path.stem.rsplit("-", 1)[-1]: yaml.safe_load(path.read_text())
        for path in (root / ".github" / "workflows").glob("*.yml")
    }


@pytest.fixture(scope="module")
def ghcr(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return _render(tmp_path_factory.mktemp("ghcr"), VARIANTS["image-ghcr"])


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return _render(tmp_path_factory.mktemp("secrets"), VARIANTS["image-credentials"])


def _step(job: dict[str, Any], name_start: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("name", "").startswith(name_start)]
    return step


def test_ct_pushes_the_image_between_the_gate_and_the_promotion(ghcr: dict[str, dict[str, Any]]) -> None:
    jobs = ghcr["ct"]["jobs"]
    image = jobs["image"]
    assert image["needs"] == "pipeline"
    assert image["if"] == f"${{{{ needs.pipeline.outputs.gate == 'passed' && {DEFAULT_BRANCH_ONLY} }}}}"
    push = _step(image, "Build the image")
    assert push["run"] == 'mlspec build "$MLSPEC_SPEC" --containerize --push'
    handed = _step(image, "Hand the image's digest")
    assert handed["with"]["path"] == ".mlspec/images.json" and handed["with"]["if-no-files-found"] == "error"
    # the promote job waits for the push (a skipped or failed push: no promotion) and reads its digest
    promote = jobs["promote"]
    assert promote["needs"] == ["pipeline", "image"]
    assert "always()" not in promote["if"] and "!cancelled()" not in promote["if"]
    fetched = _step(promote, "Download the pushed image's digest")
    assert fetched["with"] == {"name": handed["with"]["name"], "path": ".mlspec"}


def test_ghcr_uses_the_jobs_token_with_packages_write_on_that_job_alone(ghcr: dict[str, dict[str, Any]]) -> None:
    jobs = ghcr["ct"]["jobs"]
    assert jobs["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert _step(jobs["image"], "Build the image")["env"] == {
        "MLSPEC_SPEC": "mlproject.yaml",
        "MLSPEC_REGISTRY_USERNAME": "${{ github.actor }}",
        "MLSPEC_REGISTRY_PASSWORD": "${{ github.token }}",
    }
    others = [(kind, job_id) for kind, wf in ghcr.items() for job_id, job in wf["jobs"].items() if job_id != "image"]
    for kind, job_id in others:
        assert "packages" not in ghcr[kind]["jobs"][job_id].get("permissions", {}), (kind, job_id)


def test_named_secrets_reach_the_push_step_only(secrets: dict[str, dict[str, Any]]) -> None:
    image = secrets["ct"]["jobs"]["image"]
    assert image["permissions"] == {"contents": "read"}  # no packages: write for another registry
    assert "env" not in image  # not the job: the one step
    env = _step(image, "Build the image")["env"]
    assert env["MLSPEC_REGISTRY_USERNAME"] == "${{ secrets.REGISTRY_USER }}"
    assert env["MLSPEC_REGISTRY_PASSWORD"] == "${{ secrets.REGISTRY_TOKEN }}"
    for kind, workflow in secrets.items():
        text = yaml.safe_dump(workflow)
        count = text.count("secrets.REGISTRY_")
        assert count == (2 if kind == "ct" else 0), kind  # never CI (pull requests), CD or the monitor


def test_cd_builds_no_second_image_when_ct_pushed_it(
    secrets: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    (build,) = [j for j_id, j in secrets["cd"]["jobs"].items() if j_id.startswith("build-")]
    assert _step(build, "Build the service")["with"]["containerize"] == "false"
    # without push, CD builds the image as before (serve.container.enabled) and CT has no image job
    built = _render(
        tmp_path_factory.mktemp("enabled"),
        {"mlproject.yaml": merged(BASE, {"serve": {"container": {"enabled": True}}})},
    )
    (build,) = [j for j_id, j in built["cd"]["jobs"].items() if j_id.startswith("build-")]
    assert _step(build, "Build the service")["with"]["containerize"] == "true"
    assert "image" not in built["ct"]["jobs"] and built["ct"]["jobs"]["promote"]["needs"] == "pipeline"
