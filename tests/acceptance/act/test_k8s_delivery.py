"""Issue 26, item 6's last sentence and its "Done when" for the example: under act (host mode), the example's
rendered CT, on a push to the default branch, trains, gates, then its `image` job builds the model's image in the
Docker engine (DOCKER_HOST) and pushes it to the OCI registry on 127.0.0.1; the promote job opens the promotion
pull request on the GitHub stand-in, and that pull request changes the staging overlay's image digest together
with deploy/staging.yaml. Merged, `render --check` is clean, the overlays validate, the digest is pulled from the
registry and the exact image serves correctly as the manifest runs it (tests/acceptance/delivery.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.acceptance import delivery
from tests.acceptance.act.runner import example_on_standin
from tests.helpers import git, run_mlspec
from tests.serve.test_container import BASE_IMAGE, _base_image, _engine
from tests.serve.test_image_by_digest import _docker, registry  # noqa: F401 - the registry fixture

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.xdist_group("act")]

PROJECT = "breast-cancer"
REPOSITORY = "mlspec-test/breast-cancer-act"
OVERLAY = "deploy/k8s/staging/kustomization.yaml"


@pytest.fixture
def engine_env() -> Iterator[dict[str, str]]:
    host = _engine()
    env = {**os.environ, "DOCKER_HOST": host}
    _base_image(env)
    yield env


@pytest.mark.timeout(2700)  # one CT run under act: training, the servability check, an image build and push
def test_ct_pushes_the_image_and_the_promotion_pr_changes_the_overlay_digest(
    tmp_path: Path,
    engine_env: dict[str, str],
    registry: str,  # noqa: F811
) -> None:
    def on_kubernetes(work: Path, spec: dict) -> None:
        spec["serve"]["container"] = {
            "base_image": BASE_IMAGE,
            "registry": registry,
            "repository": REPOSITORY,
            "push": True,
        }
        spec["environments"][0]["kubernetes"] = {"namespace": "breast-cancer-staging", "replicas": 1}

    with example_on_standin(tmp_path, PROJECT, on_kubernetes) as (work, gh, act):
        before = yaml.safe_load((work / OVERLAY).read_text())["images"]
        assert before == [{"name": f"{registry}/{REPOSITORY}"}]  # nothing promoted yet: no digest
        head = git("rev-parse", "HEAD", cwd=work)
        event = {"ref": "refs/heads/main", "before": head, "after": head, "repository": {"default_branch": "main"}}
        ct = act.run(
            work,
            "push",
            event,
            work / ".github" / "workflows" / f"mlspec-{PROJECT}-ct.yml",
            env={"DOCKER_HOST": engine_env["DOCKER_HOST"], "BENTOML_HOME": str(tmp_path / "ct-bentoml")},
            run_id=5151,
            timeout=2400,
        )
        (tmp_path / "ct.log").write_text(ct.log)
        assert ct.returncode == 0, ct.log[-6000:]
        assert "[mlspec breast-cancer CT/mlspec-breast-cancer-image" in ct.log

        (pull,) = gh.state.open_pulls()
        assert pull.head == f"mlspec/promote/{PROJECT}/staging"
        deploy = gh.state.file_text(pull.head, "deploy/staging.yaml")
        overlay = gh.state.file_text(pull.head, OVERLAY)
        assert deploy is not None and overlay is not None
        image = yaml.safe_load(deploy)["image"]
        assert image.startswith(f"{registry}/{REPOSITORY}@sha256:")
        assert f"pushed as {image}" in ct.log  # the digest the registry answered the image job with
        (entry,) = yaml.safe_load(overlay)["images"]
        assert entry == {"name": f"{registry}/{REPOSITORY}", "digest": image.split("@", 1)[1]}

        # merged: the default branch holds both files, exactly what `mlspec render` writes for them
        (work / "deploy" / "staging.yaml").write_text(deploy)
        (work / OVERLAY).write_text(overlay)
        git("commit", "-qam", f"Merge pull request #{pull.number}", cwd=work)
        checked = run_mlspec("render", "--check", "--root", str(work), cwd=work)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        deployment = delivery.merged_deployment(work, "staging")
        delivery.pull_by_digest(image, engine_env)
        rows = pd.read_csv(work / "data" / "test.csv").drop(columns=["benign"]).head(20)
        try:
            delivery.serves_as_the_manifest_runs_it(deployment, rows, engine_env)
        finally:  # each run's model makes a new ~1 GB image
            _docker("image", "rm", "-f", image, env=engine_env)
