"""deploy/<env>.yaml: where it lives, what `model.artifact` says, and that a broken file is an error naming
the file, every problem by its key, and what to do."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlspec.errors import MlspecError
from mlspec.state.deploy import (
    DeployedModel,
    Deployment,
    ct_state_artifact,
    deploy_path,
    dump_deployment,
    model_artifact_ref,
    parse_deployment,
    read_deployment,
    write_deployment,
)

RUN = "20260101T000001000000Z-00001"
HINT = "deploy files are written by `mlspec promote`; fix the file in a pull request"


def _deployment(**changes: object) -> Deployment:
    data: dict[str, object] = {
        "project": "churn",
        "environment": "staging",
        "model": DeployedModel(tag="churn:v1", version="v1", artifact=".mlspec/runs/x/model.bentomodel"),
        "metrics": {"roc_auc": 0.91, "f1": None},
        "lineage": {"run_id": RUN},
    }
    return Deployment(**{**data, **changes})  # type: ignore[arg-type]


def test_the_model_artifact_names_the_run_state_in_ci_and_the_local_path_otherwise() -> None:
    assert ct_state_artifact("churn") == "mlspec-churn-ct-state"
    assert model_artifact_ref("churn", RUN, "model.bentomodel", "4242") == (
        f"gh-artifact:4242/mlspec-churn-ct-state/runs/{RUN}/model.bentomodel"
    )
    assert model_artifact_ref("churn", RUN, "model.bentomodel", None) == f".mlspec/runs/{RUN}/model.bentomodel"
    assert model_artifact_ref("churn", RUN, "model.bentomodel", "") == f".mlspec/runs/{RUN}/model.bentomodel"
    assert model_artifact_ref("churn", RUN, None, "4242") is None
    assert model_artifact_ref("churn", RUN, "", None) is None


def test_a_deploy_file_round_trips_with_its_header(tmp_path: Path) -> None:
    assert deploy_path(tmp_path, "production") == tmp_path / "deploy" / "production.yaml"
    assert read_deployment(tmp_path, "staging") is None  # no file: no champion
    deployment = _deployment()
    path = write_deployment(tmp_path, deployment)
    assert path == tmp_path / "deploy" / "staging.yaml"
    text = path.read_text("utf-8")
    assert text == dump_deployment(deployment)
    assert text.startswith(
        "# Written by `mlspec promote`; changes only through a promotion pull request.\n"
        "# CD builds the BentoML service for the model named here.\n"
    )
    assert text.splitlines()[2] == "project: churn"  # the keys in the model's order, not sorted
    assert read_deployment(tmp_path, "staging") == deployment
    (tmp_path / "deploy" / "folder.yaml").mkdir()
    assert read_deployment(tmp_path, "folder") is None  # not a file


def test_unicode_is_written_as_it_is_and_values_as_json_types(tmp_path: Path) -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    write_deployment(tmp_path, _deployment(promoted={"by": "Zoë", "at": at}))
    text = (tmp_path / "deploy" / "staging.yaml").read_text("utf-8")
    assert "by: Zoë" in text
    assert "at: '2026-01-02T03:04:05Z'" in text  # a JSON string, not a YAML timestamp
    read = read_deployment(tmp_path, "staging")
    assert read is not None and read.promoted == {"by": "Zoë", "at": "2026-01-02T03:04:05Z"}


def test_a_broken_deploy_file_read_from_disk_is_named_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "staging.yaml").write_text("project: churn\n", "utf-8")
    with pytest.raises(MlspecError) as caught:
        read_deployment(tmp_path, "staging")
    assert caught.value.message.startswith(f"{tmp_path / 'deploy' / 'staging.yaml'}: not a valid deployment file: ")


def test_a_broken_deploy_file_names_the_file_each_problem_and_what_to_do() -> None:
    with pytest.raises(MlspecError) as caught:
        parse_deployment("project: churn\nmodel: {tag: 'not a tag', version: v1}\n", "deploy/staging.yaml")
    message = caught.value.message
    assert message.startswith("deploy/staging.yaml: not a valid deployment file: ")
    problems = message.removeprefix("deploy/staging.yaml: not a valid deployment file: ").split("; ")
    assert [p.split(": ")[0] for p in problems] == ["environment", "model.tag"]
    assert problems[1] == "model.tag: 'not a tag' is not a model tag `name:version` (letters, digits, '.', '_' and '-')"
    assert caught.value.hint == HINT
    with pytest.raises(MlspecError) as caught:
        parse_deployment("- a list\n", "deploy/staging.yaml")
    assert caught.value.message.startswith("deploy/staging.yaml: not a valid deployment file: (top level): ")
    with pytest.raises(MlspecError) as caught:
        parse_deployment("project: [unclosed\n", "deploy/staging.yaml")
    assert caught.value.message.startswith("deploy/staging.yaml: not a valid deployment file: ")
