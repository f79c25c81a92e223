"""Issue 26's "Done when" for a corpus project (tests/acceptance/corpus, not the example): `churn-yes-no` (string labels, a
text column with gaps, a scikit-learn Pipeline) with a staging environment on Kubernetes, run as a team runs it
locally: `mlspec run`, `mlspec build --containerize --push` to the OCI registry on 127.0.0.1, `mlspec promote`
(the promotion branch, as its pull request) merged. The merged manifests validate, name the pushed image by
digest, the registry serves that digest and the image answers correctly as the manifest runs it
(tests/acceptance/delivery.py). The example's same path runs through CT under act: tests/acceptance/act/test_k8s_delivery.py."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.acceptance import delivery
from tests.acceptance.corpus.projects import write_project
from tests.helpers import git, init_repo, run_mlspec
from tests.serve.test_container import BASE_IMAGE, _base_image, _engine
from tests.serve.test_image_by_digest import _docker, registry  # noqa: F401 - the registry fixture

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.xdist_group("serve"), pytest.mark.timeout(2400)]

PROJECT = "churn-yes-no"
REPOSITORY = "mlspec-test/churn-yes-no"


def test_a_merged_promotion_of_a_corpus_project_deploys_a_pushed_image(
    tmp_path: Path,
    registry: str,  # noqa: F811
) -> None:
    host = _engine()
    docker_env = {**os.environ, "DOCKER_HOST": host}
    _base_image(docker_env)
    root = write_project(PROJECT, tmp_path / PROJECT)
    spec_path = root / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec.setdefault("serve", {})["container"] = {
        "base_image": BASE_IMAGE,
        "registry": registry,
        "repository": REPOSITORY,
        "push": True,
    }
    staging = next(env for env in spec["environments"] if env["name"] == "staging")
    staging["kubernetes"] = {"namespace": "churn-staging", "replicas": 1}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    (root / ".gitignore").write_text(".mlspec/\n__pycache__/\n")
    env = {
        "BENTOML_HOME": str(tmp_path / "bentoml"),
        "DOCKER_HOST": host,
        **{k: "" for k in os.environ if k.startswith("GITHUB_")},
    }
    assert run_mlspec("render", cwd=root, env=env).returncode == 0
    init_repo(root)

    def mlspec(*args: str, timeout: float = 1200) -> str:
        done = run_mlspec(*args, cwd=root, env=env, timeout=timeout)
        assert done.returncode == 0, f"mlspec {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    mlspec("run")
    built = mlspec("build", "--containerize", "--push", timeout=1800)
    (line,) = [t for t in built.splitlines() if t.startswith("image ") and " pushed as " in t]
    image = line.rsplit(" ", 1)[1]
    try:
        mlspec("promote", "--env", "staging")
        branch = f"mlspec/promote/{PROJECT}/staging"
        changed = git("diff", "--name-only", f"main...{branch}", cwd=root).splitlines()
        assert {"deploy/staging.yaml", "deploy/k8s/staging/kustomization.yaml"} <= set(changed)
        git("merge", "-q", "--no-ff", "-m", "Merge the promotion pull request", branch, cwd=root)
        assert run_mlspec("render", "--check", cwd=root, env=env).returncode == 0

        deployment = delivery.merged_deployment(root, "staging")
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == image
        delivery.pull_by_digest(image, docker_env)
        label = spec["data"]["label"]
        rows = pd.read_csv(root / "data" / "test.csv").drop(columns=[label]).dropna().head(20)
        delivery.serves_as_the_manifest_runs_it(deployment, rows, docker_env)
    finally:  # each run's model makes a new ~1 GB image
        _docker("image", "rm", "-f", image, env=docker_env)
