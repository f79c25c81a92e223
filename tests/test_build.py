"""The distributions built from a git checkout the way the release workflow builds them (`uv build`: the
sdist, then the wheel from that sdist) carry the version and the commit: the sdist ships
mlspec/_source.json (hatch_build.py) because an unpacked sdist has no git history to ask. Before, the
wheel built from the sdist had no commit, and `mlspec render` of an installed release fell back to the tag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from mlspec import __version__
from tests.act.runner import export_worktree
from tests.helpers import ROOT, git, init_repo

UV = Path(sys.executable).parent / "uv"


def test_sdist_and_wheel_from_it_record_the_checkout_commit(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for folder in ("mlspec", "schemas", "actions", "requirements"):
        export_worktree(ROOT / folder, checkout / folder)
    for name in ("pyproject.toml", "hatch_build.py", "README.md", "CHANGELOG.md"):
        (checkout / name).write_bytes((ROOT / name).read_bytes())
    init_repo(checkout)
    head = git("rev-parse", "HEAD", cwd=checkout)
    (checkout / "mlspec" / "_source.json").write_text(json.dumps({"commit": "f" * 40}))  # a stale local record

    out = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSPEC_")}  # the tests set MLSPEC_SOURCE_COMMIT
    done = subprocess.run(
        [str(UV), "build", "--quiet", "--out-dir", str(out), str(checkout)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    assert sdist.name == f"mlspec_gitops-{__version__}.tar.gz" and wheel.name.startswith(
        f"mlspec_gitops-{__version__}-"
    )
    with tarfile.open(sdist) as archive:
        record = archive.extractfile(f"mlspec_gitops-{__version__}/mlspec/_source.json")
        assert record is not None and json.load(record) == {"commit": head}
        assert f"mlspec_gitops-{__version__}/CHANGELOG.md" in archive.getnames()
    with zipfile.ZipFile(wheel) as archive:
        assert json.loads(archive.read("mlspec/_source.json")) == {"commit": head}
        assert [n for n in archive.namelist() if n.endswith("_source.json")] == ["mlspec/_source.json"]
