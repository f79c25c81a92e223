"""`store:` in the spec and what the rendered workflows do with its credentials: write credentials only in the step
of the default branch's CT job that runs `mlspec push`; pull-request jobs read at most (docs/security.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlspec.cli import main
from mlspec.errors import MlspecError
from mlspec.spec.models import ModelStoreSpec
from mlspec.state.deploy import parse_deployment
from mlspec.store.location import store_url
from tests.helpers import git

CASES = Path(__file__).parents[1] / "cases" / "valid"
WRITE = ("STORE_WRITE_KEY", "STORE_WRITE_SECRET")


def test_a_url_alone_or_with_credentials() -> None:
    assert ModelStoreSpec.model_validate("s3://b/p").url == "s3://b/p"
    full = ModelStoreSpec.model_validate({"url": "gs://b/p", "credentials": {"GOOGLE_APPLICATION_CREDENTIALS": "GCP"}})
    assert full.credentials == {"GOOGLE_APPLICATION_CREDENTIALS": "GCP"}
    for bad in ("s3://b/../x", "ftp://host/x", {"url": "s3://b", "credentials": {"GITHUB_TOKEN": "X"}}):
        with pytest.raises(ValueError):
            ModelStoreSpec.model_validate(bad)
    with pytest.raises(ValueError, match="absolute path"):  # a newcomer's shared folder beside the project
        ModelStoreSpec.model_validate("../models")
    assert ModelStoreSpec.model_validate("/srv/models").url == "/srv/models"


def _rendered(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str = "") -> tuple[dict[str, dict], str]:
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "full", repo / "proj", symlinks=True)
    if edit:
        spec = repo / "proj" / "mlproject.yaml"
        spec.write_text(edit(spec.read_text()))  # type: ignore[operator]
    git("init", "-q", "-b", "main", cwd=repo)
    assert main(["render", str(repo / "proj" / "mlproject.yaml")]) == 0
    err = capsys.readouterr().err
    flows = {p.name: yaml.safe_load(p.read_text()) for p in (repo / ".github" / "workflows").glob("*.yml")}
    return flows, err


def test_write_credentials_reach_only_the_ct_push_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows, err = _rendered(tmp_path, capsys)
    assert "no `store:`" not in err
    ct = flows["mlspec-house-prices-ct.yml"]
    push = [s for s in ct["jobs"]["pipeline"]["steps"] if "mlspec push" in str(s.get("run", ""))]
    assert len(push) == 1
    assert "github.event.repository.default_branch" in push[0]["if"]
    assert {v for k, v in push[0]["env"].items() if k.startswith("AWS_")} == {
        "${{ secrets.STORE_WRITE_KEY }}",
        "${{ secrets.STORE_WRITE_SECRET }}",
    }
    for name, flow in flows.items():
        for job_name, job in flow["jobs"].items():
            for step in job.get("steps", []):
                if step is push[0]:
                    continue
                assert not any(secret in str(step) for secret in WRITE), (name, job_name, step.get("name"))
                assert "mlspec push" not in str(step.get("run", "")), (name, job_name)
            assert not any(secret in str(job.get("env", {})) for secret in WRITE), (name, job_name)
    ci_env = flows["mlspec-house-prices-ci.yml"]["jobs"]["pipeline"]["env"]
    assert ci_env["AWS_ACCESS_KEY_ID"] == "${{ secrets.STORE_READ_KEY }}"  # a pull request reads, never writes


def test_without_a_store_render_and_validate_say_what_the_default_loses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_store(text: str) -> str:
        head, _, rest = text.partition("store:\n")
        rest = rest.split("\n", 3)[3]  # the url and both credential lines
        return (head + rest).replace(', store: {url: "s3://models-prod/house-prices"}', "")

    flows, err = _rendered(tmp_path, capsys, edit=no_store)  # type: ignore[arg-type]
    assert "no `store:` in the spec" in err and "30 days" in err
    assert not any("mlspec push" in str(flow) for flow in flows.values())
    monkeypatch.chdir(tmp_path / "repo" / "proj")
    assert main(["validate", "--no-file-checks"]) == 0
    assert "30 days" in capsys.readouterr().err


def test_an_environment_overrides_the_project_store() -> None:
    from mlspec.spec.validate import load_spec

    loaded = load_spec(CASES / "full" / "mlproject.yaml", check_files=False)
    assert store_url(loaded.spec) == "s3://models/house-prices"
    assert store_url(loaded.spec, "staging") == "s3://models/house-prices"
    assert store_url(loaded.spec, "production") == "s3://models-prod/house-prices"


DEPLOY = """\
project: p
environment: staging
model:
  tag: p:v1
  version: v1
  artifact: gh-artifact:12/mlspec-p-ct-state/runs/r/model.bentomodel
{extra}"""


def test_deploy_files_name_the_model_by_store_and_digest_and_old_ones_stay_valid() -> None:
    old = parse_deployment(DEPLOY.format(extra=""), "deploy/staging.yaml")
    assert old.model.store is None and old.model.digest is None
    digest = "sha256:" + "a" * 64
    new = parse_deployment(DEPLOY.format(extra=f"  store: s3://b/p\n  digest: {digest}\n"), "deploy/staging.yaml")
    assert (new.model.store, new.model.digest) == ("s3://b/p", digest)
    with pytest.raises(MlspecError, match="go together"):
        parse_deployment(DEPLOY.format(extra="  store: s3://b/p\n"), "deploy/staging.yaml")
    with pytest.raises(MlspecError, match="digest"):
        parse_deployment(DEPLOY.format(extra="  store: s3://b/p\n  digest: sha256:xyz\n"), "deploy/staging.yaml")
