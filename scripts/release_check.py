"""Check the distributions a release built, before anything is published:

  python scripts/release_check.py DIST --version X.Y.Z --commit SHA [--twine PATH]

DIST must hold exactly one sdist and one wheel of mlspec-gitops X.Y.Z; `twine check --strict` must pass
on both; the wheel's metadata must name the distribution, the version, the Python range and the `mlspec`
command; its files must be mlspec's package (every module and template of the checkout's mlspec/, nothing
else: no tests, no examples, no stray files); and both must record SHA (the tagged commit) in
mlspec/_source.json, which `mlspec render` pins mlspec's own actions to and `mlspec --version` names.
Exit 1 with every finding, one a line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "mlspec-gitops"
PREFIX = "mlspec_gitops"
SDIST_MUST_HOLD = (
    "PKG-INFO",
    "pyproject.toml",
    "hatch_build.py",
    "README.md",
    "CHANGELOG.md",
    "mlspec/__init__.py",
    "mlspec/_source.json",
    "requirements/runtime.txt",
    "actions/setup/install.sh",
    "schemas/mlproject.schema.json",
)


def package_files(root: Path) -> set[str]:
    """What the wheel must ship: the files of mlspec/ that git tracks (modules, templates, data)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "mlspec"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    return {name for name in listed if name and not name.endswith((".pyc", "/.gitignore"))}


def check_wheel(wheel: Path, version: str, commit: str, expected: set[str] | None) -> list[str]:
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"{PREFIX}-{version}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode()) if f"{info}/METADATA" in names else None
        if metadata is None:
            return [f"{wheel.name}: no {info}/METADATA"]
        for key, want in (("Name", DISTRIBUTION), ("Version", version)):
            if metadata.get(key) != want:
                problems.append(f"{wheel.name}: metadata {key} is {metadata.get(key)!r}, expected {want!r}")
        python = set((metadata.get("Requires-Python") or "").replace(" ", "").split(","))
        if python != {">=3.10", "<3.13"}:
            problems.append(
                f"{wheel.name}: Requires-Python is {metadata.get('Requires-Python')!r}, expected >=3.10,<3.13"
            )
        requires = metadata.get_all("Requires-Dist") or []
        if not any(r.startswith("deepchecks==") for r in requires) or any(
            "extra ==" not in r for r in requires if r.startswith("pytest")
        ):
            problems.append(f"{wheel.name}: Requires-Dist is not pyproject's runtime set: {requires}")
        entry_points = archive.read(f"{info}/entry_points.txt").decode() if f"{info}/entry_points.txt" in names else ""
        if "mlspec = mlspec.cli:main" not in entry_points:
            problems.append(f"{wheel.name}: no console script `mlspec = mlspec.cli:main`")
        shipped = {n for n in names if not n.startswith(f"{info}/")}
        if expected is not None:
            want = expected | {"mlspec/_source.json"}
            for name in sorted(want - shipped):
                problems.append(f"{wheel.name}: missing {name}")
            for name in sorted(shipped - want):
                problems.append(f"{wheel.name}: ships {name}, which is not a tracked file of mlspec/")
        problems += _record(
            wheel.name, archive.read("mlspec/_source.json") if "mlspec/_source.json" in names else None, commit
        )
    return problems


def check_sdist(sdist: Path, version: str, commit: str) -> list[str]:
    problems = []
    top = f"{PREFIX}-{version}"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        for name in SDIST_MUST_HOLD:
            if f"{top}/{name}" not in names:
                problems.append(f"{sdist.name}: missing {name}")
        for name in sorted(names):
            relative = name.removeprefix(f"{top}/")
            if relative.split("/", 1)[0] in {"tests", ".venv", "node_modules", "build", ".github", ".git"}:
                problems.append(f"{sdist.name}: ships {relative}")
        member = archive.extractfile(f"{top}/mlspec/_source.json") if f"{top}/mlspec/_source.json" in names else None
        problems += _record(sdist.name, member.read() if member else None, commit)
    return problems


def _record(where: str, data: bytes | None, commit: str) -> list[str]:
    if data is None:
        return [f"{where}: no mlspec/_source.json (the commit it was built from)"]
    try:
        recorded = json.loads(data).get("commit")
    except (ValueError, AttributeError):
        return [f"{where}: mlspec/_source.json is not a JSON object"]
    return [] if recorded == commit else [f"{where}: mlspec/_source.json names {recorded!r}, expected {commit}"]


def check(dist: Path, version: str, commit: str, twine: str | None, root: Path | None) -> list[str]:
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    # uv build also writes a .gitignore into the output folder
    others = sorted(p.name for p in dist.iterdir() if p not in sdists and p not in wheels and p.name != ".gitignore")
    problems = [f"{dist}: {name} is neither the sdist nor the wheel" for name in others]
    if [p.name for p in sdists] != [f"{PREFIX}-{version}.tar.gz"]:
        problems.append(f"{dist}: expected one sdist {PREFIX}-{version}.tar.gz, found {[p.name for p in sdists]}")
    if [p.name for p in wheels] != [f"{PREFIX}-{version}-py3-none-any.whl"]:
        problems.append(
            f"{dist}: expected one wheel {PREFIX}-{version}-py3-none-any.whl, found {[p.name for p in wheels]}"
        )
    if problems:
        return problems
    if twine:
        done = subprocess.run(
            [twine, "check", "--strict", str(sdists[0]), str(wheels[0])], capture_output=True, text=True
        )
        if done.returncode != 0:
            problems.append(f"twine check --strict failed:\n{done.stdout}{done.stderr}")
    expected = package_files(root) if root is not None else None
    return problems + check_wheel(wheels[0], version, commit, expected) + check_sdist(sdists[0], version, commit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release_check.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--version", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--twine", default="twine", help="the twine command ('' skips twine check)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the git checkout the wheel was built from")
    args = parser.parse_args(argv)
    problems = check(args.dist, args.version, args.commit.lower(), args.twine or None, args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"{DISTRIBUTION} {args.version}: sdist and wheel checked (twine, metadata, files, commit {args.commit})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
