"""schemas/record.schema.json and schemas/deploy.schema.json: generated from the models, kept in sync, and the
files mlspec really writes validate against them; records of other mlspec versions still load."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlspec.state.layout import StateLayout
from mlspec.state.record import RunRecord, RunStore, StageResult, parse_record
from mlspec.state.schema import SCHEMAS, schema_text
from tests.helpers import ROOT, git, init_repo, run_mlspec
from tests.pipeline.conftest import clean_run, clone_project  # noqa: F401 - the session's real `mlspec run`

SCHEMA_DIR = ROOT / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / SCHEMAS[name][1]).read_text()))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_up_to_date(name: str) -> None:
    path = SCHEMA_DIR / SCHEMAS[name][1]
    assert path.read_text() == schema_text(name), f"schemas/{path.name} is stale: run `make schema`"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_cli_prints_the_committed_schema(name: str) -> None:
    result = run_mlspec("schema", name)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (SCHEMA_DIR / SCHEMAS[name][1]).read_text()


def test_the_record_schema_declares_what_the_runner_sets() -> None:
    """The fields the pipeline once set through `# type: ignore` are part of the published contract."""
    schema = json.loads((SCHEMA_DIR / "record.schema.json").read_text())
    assert {"spec_sections", "changes_baseline", "warnings"} <= set(schema["properties"])
    assert {"cached_from", "inputs", "outputs", "reasons"} <= set(schema["$defs"]["StageResult"]["properties"])
    assert schema["additionalProperties"] is False and schema["$defs"]["StageResult"]["additionalProperties"] is False


def _minimal() -> dict:
    return {"run_id": "r1", "project": "p", "spec_path": "mlproject.yaml", "spec_digest": "d", "created": "now"}


def test_building_a_record_with_an_undeclared_field_is_an_error() -> None:
    """Strict where mlspec writes: a misspelt field fails at once instead of being kept on the side."""
    with pytest.raises(ValueError, match="cached_form"):
        StageResult(name="train", status="cached", cached_form="r0")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="spec_section"):
        RunRecord(**_minimal(), spec_section={})  # type: ignore[arg-type]


def test_a_stored_record_with_keys_of_another_version_loads_without_them(tmp_path: Path) -> None:
    """Lenient where mlspec reads: an older (or newer) mlspec's keys are dropped, at every level, so old runs
    keep serving history, caching, gc and the champion; what this version writes round-trips exactly."""
    data = {
        **_minimal(),
        "retired_field": 1,
        "stages": [{"name": "train", "status": "passed", "inputs": {"spec:train": "x"}, "gpu": "A100"}],
        "tests": {
            "data": {
                "kind": "data",
                "passed": True,
                "old_summary": "..",
                "checks": [{"name": "MixedNulls", "legacy": True, "conditions": []}],
            }
        },
    }
    store = RunStore(tmp_path)
    path = StateLayout(tmp_path).record_file("r1")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    record = store.load("r1")
    assert record.stages[0].inputs == {"spec:train": "x"}
    dumped = json.loads(record.model_dump_json())
    assert "retired_field" not in dumped and "gpu" not in dumped["stages"][0]
    assert "old_summary" not in dumped["tests"]["data"] and "legacy" not in dumped["tests"]["data"]["checks"][0]
    assert [r.run_id for r in store.history()] == ["r1"]
    # this version's own record: written, read, written again, byte for byte
    store.save(record)
    text = path.read_text()
    assert parse_record(text).model_dump_json(indent=2) + "\n" == text
    assert list(_validator("record").iter_errors(json.loads(text))) == []


def test_the_record_schema_rejects_an_unknown_key() -> None:
    errors = list(_validator("record").iter_errors({**_minimal(), "spec_sectionz": {}}))
    assert any("spec_sectionz" in e.message for e in errors)


@pytest.mark.slow
def test_a_real_run_and_its_promotion_validate_against_the_schemas(clean_run, tmp_path: Path) -> None:  # noqa: F811
    """The record.json of a real `mlspec run` (deepchecks, training) and the deploy file `mlspec promote` writes
    for it validate; the record round-trips exactly and declares everything (nothing is dropped on reading)."""
    root, result = clean_run
    assert result.returncode == 0, result.stderr
    store = RunStore(root)
    text = store.layout.record_file(store.latest_id() or "").read_text()
    assert list(_validator("record").iter_errors(json.loads(text))) == []
    record = parse_record(text)
    assert record.model_dump_json(indent=2) + "\n" == text
    assert all(stage.inputs and stage.reasons for stage in record.stages)
    assert record.changes_baseline == {"kind": "none"} and record.spec_sections

    project = clone_project(root, tmp_path / "synth")
    init_repo(project)
    promoted = run_mlspec("promote", "--env", "staging", cwd=project, env={"GITHUB_TOKEN": "", "GITHUB_ACTIONS": ""})
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    deploy_text = git("show", "mlspec/promote/synth/staging:deploy/staging.yaml", cwd=project)
    deployment = yaml.safe_load(deploy_text)
    assert list(_validator("deploy").iter_errors(deployment)) == []
    assert deployment["lineage"]["run_id"] == record.run_id


def test_the_deploy_schema_rejects_what_parse_deployment_rejects() -> None:
    deployment = {"project": "p", "environment": "staging", "model": {"tag": "m:v1", "version": "v1"}, "comment": "x"}
    assert any("comment" in e.message for e in _validator("deploy").iter_errors(deployment))
    del deployment["comment"]
    assert list(_validator("deploy").iter_errors(deployment)) == []


def test_make_schema_writes_the_record_and_deploy_schemas() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "mlspec schema record --output schemas/record.schema.json" in makefile
    assert "mlspec schema deploy --output schemas/deploy.schema.json" in makefile
