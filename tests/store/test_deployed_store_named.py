"""A deploy file edited by hand cannot make CD (or the gate's champion, the drift monitor, a rollback) unpickle a model
from a store the reviewed spec does not name.

The attack: a pull request changes deploy/staging.yaml to `model.store: <a bucket its author filled>` and
`model.digest: sha256:<of the author's archive>`. The digest check passes (the author chose both), so before this
check CD's build job fetched the archive and imported (unpickled) it, in the environment's job with its secrets. The
`gh-artifact:` route is refused for the same case (mlspec/serve/provenance.py); the store route now is too: a deploy
file may name only the project's store or an environment's own."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlspec.spec import load_spec
from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
from mlspec.store.backend import ContentStore
from mlspec.store.errors import StoreError
from mlspec.store.models import archive_cache, check_deployed_store, spec_stores
from tests.helpers import copy_example, run_cli

ARCHIVE = b"not a model: whoever unpickles this runs its author's code" * 50


def _project(tmp_path: Path, named_store: Path) -> tuple[Path, str]:
    """breast-cancer with `store:` (the trusted folder) and deploy/staging.yaml naming ``named_store``, which holds
    an archive under its true sha256."""
    root = copy_example("breast-cancer", tmp_path / "cd")
    trusted = tmp_path / "trusted-store"
    spec = root / "mlproject.yaml"
    spec.write_text(spec.read_text() + f"store: {trusted}\n")
    source = tmp_path / "planted.bentomodel"
    source.write_bytes(ARCHIVE)
    digest = ContentStore.open(str(named_store)).put_blob(source)
    write_deployment(
        root,
        Deployment(
            project="breast-cancer",
            environment="staging",
            model=DeployedModel(tag="breast-cancer:v1aaaa", version="v1aaaa", store=str(named_store), digest=digest),
            lineage={"run_id": "20260101T000000000000Z-00001", "commit": "feedfacefeedface"},
        ),
    )
    return root, digest


def test_cd_refuses_a_model_from_a_store_the_spec_does_not_name(tmp_path: Path) -> None:
    attacker = tmp_path / "attacker-store"
    root, digest = _project(tmp_path, attacker)
    result = run_cli("build", "mlproject.yaml", "--env", "staging", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is not a store the spec names" in result.stderr and str(attacker) in result.stderr
    assert "nothing was read from it" in result.stderr and "Traceback" not in result.stderr
    assert not archive_cache(root, digest).exists()  # the planted archive was never fetched
    located = run_cli("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root)
    assert located.returncode == 1 and "is not a store the spec names" in located.stderr


def test_cd_locates_a_model_in_the_store_the_spec_names(tmp_path: Path) -> None:
    root, digest = _project(tmp_path, tmp_path / "trusted-store")
    located = run_cli("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root)
    assert located.returncode == 0, located.stderr
    assert f"artifact=.mlspec/cache/store/{digest[7:]}.bentomodel" in located.stdout.splitlines()
    assert hashlib.sha256(ARCHIVE).hexdigest() == digest[7:]


def test_the_stores_a_deploy_file_may_name_are_the_projects_and_each_environments(tmp_path: Path) -> None:
    """A release copies staging's deploy file (and its store) to production: an environment's own store counts too."""
    root = copy_example("breast-cancer", tmp_path / "envs")
    spec = root / "mlproject.yaml"
    text = spec.read_text().replace("  - name: production\n", "  - name: production\n    store: s3://prod/models\n", 1)
    assert text != spec.read_text()
    spec.write_text(text + "store: s3://shared/models\n")
    loaded = load_spec(spec)
    assert spec_stores(loaded.spec) == ["s3://shared/models", "s3://prod/models"]
    for url in ("s3://shared/models", "s3://prod/models"):
        check_deployed_store(loaded.spec, url, "deploy/production.yaml")
    for url in ("s3://shared/models/", "s3://prod", "s3://attacker/models", "../trusted"):
        with pytest.raises(StoreError, match="is not a store the spec names"):
            check_deployed_store(loaded.spec, url, "deploy/production.yaml")


def test_the_gate_never_loads_a_champion_from_a_store_the_spec_does_not_name(tmp_path: Path) -> None:
    """CT's gate compares with the champion's predictions, loading its model: a foreign store counts as a champion
    model that is not here (a delta gate fails, unless allow_missing_champion), and nothing is read from it."""
    from mlspec.gate.predictions import ChampionModelMissing, _champion_predictions
    from mlspec.state.deploy import read_deployment

    root, digest = _project(tmp_path, tmp_path / "attacker-store")
    champion = read_deployment(root, "staging")
    assert champion is not None
    with pytest.raises(ChampionModelMissing, match="is not a store the spec names"):
        _champion_predictions(load_spec(root / "mlproject.yaml"), champion, None, "binary")  # type: ignore[arg-type]
    assert not archive_cache(root, digest).exists()
