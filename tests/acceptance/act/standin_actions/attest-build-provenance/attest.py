"""The body of the attest-build-provenance stand-in (tests/acceptance/act): the SLSA v1 provenance statement of the
subjects (in-toto Statement v1, predicate https://slsa.dev/provenance/v1, built from the GITHUB_* variables
as the real action builds it), written unsigned to $RUNNER_TEMP/<n>.intoto.jsonl; outputs bundle-path.
A subject path that matches no file fails the step, as it does in the real action."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from pathlib import Path


def fail(message: str) -> None:
    print(f"::error title=attest-build-provenance stand-in::{message}")
    raise SystemExit(1)


def main() -> None:
    if os.environ.get("INPUT_SUBJECT_DIGEST") or os.environ.get("INPUT_SUBJECT_CHECKSUMS"):
        fail("the stand-in checks subject-path only (what release.yml uses)")
    pattern = os.environ.get("INPUT_SUBJECT_PATH", "")
    paths = sorted(Path(p) for line in pattern.splitlines() if line.strip() for p in glob.glob(line.strip()))
    files = [p for p in paths if p.is_file()]
    if not files:
        fail(f"Could not find subject at path {pattern}")
    env = os.environ
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repository = env.get("GITHUB_REPOSITORY", "")
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": p.name, "digest": {"sha256": hashlib.sha256(p.read_bytes()).hexdigest()}} for p in files],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {
                    "workflow": {
                        "ref": env.get("GITHUB_REF", ""),
                        "repository": f"{server}/{repository}",
                        "path": env.get("GITHUB_WORKFLOW_REF", "").split("@")[0].removeprefix(f"{repository}/"),
                    }
                },
                "internalParameters": {"github": {"event_name": env.get("GITHUB_EVENT_NAME", "")}},
                "resolvedDependencies": [
                    {
                        "uri": f"git+{server}/{repository}@{env.get('GITHUB_REF', '')}",
                        "digest": {"gitCommit": env.get("GITHUB_SHA", "")},
                    }
                ],
            },
            "runDetails": {
                "builder": {"id": f"{server}/{repository}/.github/workflows/release.yml@{env.get('GITHUB_REF', '')}"},
                "metadata": {"invocationId": f"{server}/{repository}/actions/runs/{env.get('GITHUB_RUN_ID', '')}"},
            },
        },
    }
    folder = Path(env.get("RUNNER_TEMP", "."))
    bundle = folder / f"{len(list(folder.glob('*.intoto.jsonl'))) + 1}.intoto.jsonl"
    bundle.write_text(json.dumps({"unsigned_statement": statement, "standin": True}) + "\n")
    with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"bundle-path={bundle}\nattestation-id=standin\nattestation-url=\n")
    print(f"provenance of {', '.join(p.name for p in files)} (unsigned, stand-in) written to {bundle}")


if __name__ == "__main__":
    main()
