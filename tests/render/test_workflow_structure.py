"""Properties every generated workflow, composite action and own workflow has by construction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mlspec import __version__
from mlspec.render.pins import PINS
from tests.helpers import ROOT, SOURCE_COMMIT
from tests.render.conftest import example_workflows
from tests.render.specs import EVERYTHING_ACTIONS_REF

ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))
OWN = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(
    r"^\s*(?:- )?uses: \"?([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+)(?:/[^@\"]*)?@([0-9a-f]{40})\"? # (v\d+\.\d+\.\d+)$"
)


def _steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in document:
        yield from document["runs"]["steps"]
    for job in (document.get("jobs") or {}).values():
        yield from job.get("steps") or []


def _generated(rendered_variants: dict[str, list[Path]]) -> list[Path]:
    return example_workflows() + [p for paths in rendered_variants.values() for p in paths]


def test_no_expression_inside_any_run_script(rendered_variants: dict[str, list[Path]]) -> None:
    for path in _generated(rendered_variants) + OWN + ACTIONS:
        for step in _steps(yaml.safe_load(path.read_text())):
            assert "${{" not in step.get("run", ""), (path, step)


def test_third_party_actions_are_pinned_by_sha_with_the_version(rendered_variants: dict[str, list[Path]]) -> None:
    known = {(pin.repository, pin.sha, pin.version) for pin in PINS.values()}
    known.add(("mlspec/mlspec", SOURCE_COMMIT, f"v{__version__}"))  # mlspec's own actions: the source commit
    known.add(("mlspec/mlspec", EVERYTHING_ACTIONS_REF, f"v{__version__}"))  # ci.actions_ref of a variant
    seen = set()
    for path in _generated(rendered_variants) + OWN + ACTIONS:
        for line in path.read_text().splitlines():
            if not re.match(r"^\s*(- )?uses:", line) or "$/actions/" in line:
                continue
            match = PINNED.match(line)
            assert match, f"{path}: {line.strip()} is not pinned by a full commit SHA with a # vX.Y.Z comment"
            assert match.groups() in known, f"{path}: {line.strip()} is not the pin in mlspec/render/pins.py"
            seen.add(match.group(1))
    assert seen == {pin.repository for pin in PINS.values()} | {"mlspec/mlspec"}


def test_checkout_never_persists_credentials(rendered_variants: dict[str, list[Path]]) -> None:
    count = 0
    for path in _generated(rendered_variants) + OWN:
        for step in _steps(yaml.safe_load(path.read_text())):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                count += 1
                assert step["with"]["persist-credentials"] is False, path
    assert count > 50


def test_least_privilege_timeouts_and_concurrency(rendered_variants: dict[str, list[Path]]) -> None:
    expected = {
        "ci": {
            "changes": {"contents": "read"},
            "pipeline": {"contents": "read", "pull-requests": "write"},
            "code-scanning": {"contents": "read", "security-events": "write"},
        },  # ci.code_scanning only
        "ct": {
            "pipeline": {"contents": "read"},
            "promote": {"actions": "read", "contents": "write", "pull-requests": "write"},  # runs: reviewed = shipped
        },
    }
    for path in _generated(rendered_variants):
        workflow = yaml.safe_load(path.read_text())
        kind = path.stem.rsplit("-", 1)[-1]
        assert workflow["permissions"] == {}, path
        assert "group" in workflow["concurrency"], path
        assert workflow["concurrency"]["cancel-in-progress"] is (kind == "ci"), path
        for job_id, job in workflow["jobs"].items():
            assert isinstance(job["timeout-minutes"], int), (path, job_id)
            if kind == "ct" and job_id == "image":  # the image push (tests/deploy/test_delivery_workflows.py)
                assert job["permissions"] in ({"contents": "read"}, {"contents": "read", "packages": "write"}), path
            elif kind in expected:
                assert job["permissions"] == expected[kind][job_id], (path, job_id)
            elif kind == "cd" and job_id == "changes":  # which deploy files the push changed
                assert job["permissions"] == {"contents": "read"}, (path, job_id)
            elif kind == "cd" and job_id.startswith("build-"):  # actions: read downloads the CT run's model
                assert job["permissions"] == {"actions": "read", "contents": "read"}, (path, job_id)
                # A GitHub Environment per mlspec environment: reviewers, wait timers, deployment history.
                assert job["environment"] == job_id.removeprefix("build-"), (path, job_id)
            elif kind == "cd":  # promote-<env> (the next environment) and rollback open pull requests
                assert job_id == "rollback" or job_id.startswith("promote-"), (path, job_id)
                assert job["permissions"] == {"contents": "write", "pull-requests": "write"}, (path, job_id)
                assert "environment" not in job, (path, job_id)  # opening a PR deploys nothing
            elif job_id == "dispatch":  # monitor reading the serving log: the dispatch is a job of its own
                assert job["permissions"] == {"contents": "write"}, (path, job_id)
            else:  # monitor: the serving model's artifact, and repository_dispatch needs contents: write
                assert set(job["permissions"]) == {"actions", "contents"}, (path, job_id)
                assert job["permissions"]["actions"] == "read", (path, job_id)


def test_secrets_are_referenced_never_inlined(rendered_variants: dict[str, list[Path]]) -> None:
    for path in _generated(rendered_variants):
        text = path.read_text()
        if path.name.endswith("-ct.yml"):
            assert "token: ${{ secrets.MLSPEC_PROMOTION_TOKEN || github.token }}" in text
        assert not re.search(r"(ghp_|github_pat_|gho_)[A-Za-z0-9_]{10,}", text)


def test_action_metadata_is_complete() -> None:
    for path in ACTIONS:
        action = yaml.safe_load(path.read_text())
        assert action["name"] and action["description"], path
        assert action["runs"]["using"] == "composite", path
        assert action.get("outputs"), f"{path}: every action exposes at least one output"
        for name, spec in (action.get("inputs") or {}).items():
            assert spec.get("description"), (path, name)
        for step in action["runs"]["steps"]:
            if "run" in step:
                assert step["shell"] == "bash", (path, step.get("name"))


def test_setup_installs_its_own_checkout_not_a_name() -> None:
    text = (ROOT / "actions" / "setup" / "action.yml").read_text()
    action = yaml.safe_load(text)
    assert action["inputs"]["mlspec-package"]["default"] == ""
    assert "install.sh" in text and "requirements/runtime.txt" in text
    assert not re.search(r"pip install\S* .*mlspec", text)


def test_reusable_workflow_pins_mlspec_actions_by_commit() -> None:
    text = (ROOT / ".github" / "workflows" / "mlspec-pipeline.yml").read_text()
    refs = re.findall(r"uses: mlspec/mlspec/actions/[a-z-]+@(\S+) # v(\S+)", text)
    assert refs and {ref for ref, _ in refs} == {SOURCE_COMMIT}
    assert {version for _, version in refs} == {__version__}
    assert "mlspec==" not in text


def test_rendered_actions_are_pinned_to_the_source_commit(rendered_variants: dict[str, list[Path]]) -> None:
    text = (rendered_variants["default"][1]).read_text()
    assert f'uses: "mlspec/mlspec/actions/setup@{SOURCE_COMMIT}" # v{__version__}' in text
    assert "mlspec-package" not in text
    local = "".join(p.read_text() for p in rendered_variants["local-actions"])
    assert 'uses: "$/actions/train"' in local and "mlspec/mlspec/actions" not in local


def test_code_scanning_is_opt_in_and_alone_may_write_security_events(rendered_variants: dict[str, list[Path]]) -> None:
    for name, paths in rendered_variants.items():
        for path in paths:
            text = path.read_text()
            if name == "code-scanning" and path.name.endswith("-ci.yml"):
                jobs = yaml.safe_load(text)["jobs"]
                assert [j for j, job in jobs.items() if "security-events" in job["permissions"]] == ["code-scanning"]
                steps = jobs["code-scanning"]["steps"]
                assert steps[-2]["with"]["sarif-file"] == steps[-1]["with"]["sarif_file"]
                assert steps[-1]["uses"] == PINS["upload-sarif"].uses and steps[-1]["if"] == "${{ !cancelled() }}"
            else:
                assert "security-events" not in text and "codeql-action" not in text, path
