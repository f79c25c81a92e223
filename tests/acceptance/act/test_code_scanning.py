"""Issue 17 item 7 under the real runner (act, host mode): the CI workflow of a project with
`ci.code_scanning: true`, on a pull request that puts a typo in the spec. One act run of the whole
workflow: the pipeline job fails on the invalid spec, and the code-scanning job still validates the spec as
SARIF and hands it to `github/codeql-action/upload-sarif` at the pinned commit.

No offline copy of codeql-action exists (../shared/gha-actions), so the upload step runs a test stand-in
mapped to the pinned commit (tests/acceptance/act/standin_actions/codeql-action/upload-sarif; the mapping is in
tests/acceptance/act/runner.py): it rejects what the real action and code scanning would reject offline and records
the SARIF it accepted. act does not enforce or expose a job's `permissions`, so the test reads them from the
very workflow file it ran.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlspec.render.pins import PINS
from tests.acceptance.act.runner import ActResult, example_on_standin, pull_request_merge
from tests.helpers import ROOT, SOURCE_COMMIT, git

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

PROJECT = "breast-cancer"
SARIF_SCHEMA = ROOT / "tests" / "spec" / "sarif-schema-2.1.0.json"  # the copy codeql-action v4.36.2 validates with


def _job_lines(result: ActResult, job_name: str) -> list[str]:
    """The lines act printed for one job: `[<workflow name>/<job name, padded>] ...`."""
    return [
        line
        for line in result.log.splitlines()
        if line.startswith("[") and "]" in line and line.split("]", 1)[0].rsplit("/", 1)[-1].strip() == job_name
    ]


def test_spec_errors_reach_code_scanning_on_their_line_even_when_the_pipeline_fails(tmp_path: Path) -> None:
    def opt_in(work: Path, spec: dict) -> None:
        spec.setdefault("ci", {})["code_scanning"] = True

    with example_on_standin(tmp_path, PROJECT, opt_in) as (work, _gh, act):
        workflow = work / ".github" / "workflows" / f"mlspec-{PROJECT}-ci.yml"
        jobs = yaml.safe_load(workflow.read_text())["jobs"]
        scanning = jobs["code-scanning"]
        assert scanning["permissions"] == {"contents": "read", "security-events": "write"}
        assert [name for name, job in jobs.items() if "security-events" in (job.get("permissions") or {})] == [
            "code-scanning"
        ]
        assert scanning["steps"][-1]["uses"] == PINS["upload-sarif"].uses  # the commit the stand-in is mapped to

        # The pull request: a typo in the spec, on a line the test knows.
        base = git("rev-parse", "HEAD", cwd=work)
        git("checkout", "-q", "-b", "typo", "main", cwd=work)
        spec_path = work / "mlproject.yaml"
        lines = spec_path.read_text().splitlines()
        at = lines.index("  code_scanning: true") + 1
        lines.insert(at, "  timout_minutes: 30")
        spec_path.write_text("\n".join(lines) + "\n")
        git("commit", "-qam", "ci: a longer timeout", cwd=work)
        head = git("rev-parse", "HEAD", cwd=work)
        pull_request_merge(work, "typo")
        event = {
            "number": 7,
            "pull_request": {"number": 7, "head": {"ref": "typo", "sha": head}, "base": {"ref": "main", "sha": base}},
        }

        uploads = act.base / "code-scanning-uploads"
        result = act.run(
            work,
            "pull_request",
            event,
            workflow,
            env={"MLSPEC_STANDIN_UPLOADS": str(uploads), "MLSPEC_STANDIN_SARIF_SCHEMA": str(SARIF_SCHEMA)},
        )
        (act.base / "ci-code-scanning.log").write_text(result.log)

        tail = result.log[-6000:]
        assert result.returncode != 0, tail  # the pipeline job fails on the invalid spec ...
        pipeline_log = _job_lines(result, f"mlspec-{PROJECT}-ci")
        assert any(line.rstrip().endswith("Job failed") for line in pipeline_log), tail
        annotation = (
            f"::error file=mlproject.yaml,line={at + 1},col=3,title=mlspec unknown-key::ci.timout_minutes: unknown key"
        )
        assert any(annotation in line for line in pipeline_log), tail  # the same place as the pipeline's annotation
        scanning_log = _job_lines(result, f"mlspec-{PROJECT}-ci-code-scanning")
        assert any(line.rstrip().endswith("Job succeeded") for line in scanning_log), tail  # ... this one does not
        assert "mlspec 0.1.0 commit " + SOURCE_COMMIT in result.log  # mlspec from the pinned checkout
        assert any("the spec is not valid: the errors are in" in line for line in scanning_log), tail
        assert any("recorded " in line and "code-scanning-uploads/1.sarif" in line for line in scanning_log), tail

        record = json.loads((uploads / "1.json").read_text())
        assert record["category"] == f"mlspec-{PROJECT}" and record["job"] == "code-scanning"
        assert record["event_name"] == "pull_request" and record["source"].endswith(f"/mlspec-{PROJECT}.sarif")
        assert list(uploads.glob("*.sarif")) == [uploads / "1.sarif"]  # one upload, one file
        run = json.loads((uploads / "1.sarif").read_text())["runs"][0]
        assert run["tool"]["driver"]["name"] == "mlspec"
        assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["unknown-key"]
        [alert] = run["results"]
        assert alert["ruleId"] == "unknown-key" and alert["level"] == "error"
        assert alert["message"]["text"].startswith("ci.timout_minutes: unknown key 'timout_minutes'")
        assert alert["locations"] == [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "mlproject.yaml"},
                    "region": {"startLine": at + 1, "startColumn": 3},
                }
            }
        ]
