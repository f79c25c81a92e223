"""The body of the pypi-publish stand-in (tests/acceptance/act): checks what can be checked offline, then uploads.

- no `password` (release.yml uses trusted publishing: the real action then trades the job's OIDC token,
  which needs `id-token: write`, for a short-lived upload token; the test reads that permission from the
  workflow file, act has no OIDC);
- `repository-url` on 127.0.0.1 (the local index): the stand-in never uploads anywhere else;
- `packages-dir` holds only `.whl` and `.tar.gz` files, at least one of each kind the release builds;
then `twine upload` of them ($MLSPEC_STANDIN_TWINE) and a record in $MLSPEC_STANDIN_PUBLISHED/<n>.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse


def fail(message: str) -> None:
    print(f"::error title=pypi-publish stand-in::{message}")
    raise SystemExit(1)


def main() -> None:
    if os.environ.get("INPUT_PASSWORD"):
        fail("a password or API token was given: release.yml must publish by trusted publishing (no stored token)")
    url = os.environ.get("INPUT_REPOSITORY_URL", "")
    if urlparse(url).hostname != "127.0.0.1":
        fail(f"repository-url {url!r} is not the local index on 127.0.0.1 (set PYPI_REPOSITORY_URL for the act run)")
    folder = Path(os.environ.get("INPUT_PACKAGES_DIR") or "dist")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
    if not files:
        fail(f"packages-dir {folder} holds no distributions")
    strange = [p.name for p in files if not p.name.endswith((".whl", ".tar.gz"))]
    if strange:
        fail(f"packages-dir {folder} holds files that are not distributions: {strange}")
    twine = os.environ["MLSPEC_STANDIN_TWINE"]
    argv = [twine, "upload", "--non-interactive", "--repository-url", url, "-u", "standin", "-p", "standin"]
    if os.environ.get("INPUT_SKIP_EXISTING") == "true":
        argv.append("--skip-existing")
    done = subprocess.run([*argv, *map(str, files)], capture_output=True, text=True)
    print(done.stdout + done.stderr)
    if done.returncode != 0:
        fail("twine upload to the local index failed")
    records = Path(os.environ["MLSPEC_STANDIN_PUBLISHED"])
    records.mkdir(parents=True, exist_ok=True)
    number = len(list(records.glob("*.json"))) + 1
    record = {
        "repository_url": url,
        "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
        "attestations": os.environ.get("INPUT_ATTESTATIONS"),
        "job": os.environ.get("GITHUB_JOB"),
        "ref": os.environ.get("GITHUB_REF"),
    }
    (records / f"{number}.json").write_text(json.dumps(record, indent=2))
    print(f"published {', '.join(p.name for p in files)} to {url}; recorded {records / f'{number}.json'}")


if __name__ == "__main__":
    main()
    sys.exit(0)
