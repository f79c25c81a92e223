"""`mlspec render` of 1,000 specs in one call (target <= 2 s, issue 15) and `mlspec render --check` of 100
unchanged projects (target < 1 s), each beside a baseline measured in the same run:
`mlspec validate` of the same specs (render validates, then renders) and a raw YAML load of the
same files (the least any checker must do).

The timed render runs find the 3,000 workflow files already written (the warm-up run writes them), so they
measure loading, validating, planning, rendering and comparing, not the atomic writes."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import yaml
from common import PYTHON, ROOT, table, time_command, write_results

EXAMPLE_SPEC = ROOT / "examples" / "breast-cancer" / "mlproject.yaml"
RENDER_TARGET = 2.0  # seconds for 1,000 specs (issue 15)


def make_repo(root: Path, count: int) -> list[Path]:
    """A monorepo of ``count`` projects (the example's spec under distinct names) in a git repository."""
    spec = yaml.safe_load(EXAMPLE_SPEC.read_text())
    specs = []
    for i in range(count):
        spec["name"] = f"project-{i:04d}"
        path = root / "projects" / f"p{i:04d}" / "mlproject.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        specs.append(path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return specs


def yaml_load_command(paths: list[Path]) -> list[str]:
    listing = root_listing(paths)
    return [
        PYTHON,
        "-c",
        "import sys, yaml\nL = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
        "for p in open(sys.argv[1]).read().split():\n yaml.load(open(p), Loader=L)",
        listing,
    ]


def root_listing(paths: list[Path]) -> str:
    listing = Path(tempfile.mkstemp(suffix=".txt")[1])
    listing.write_text("\n".join(str(p) for p in paths))
    return str(listing)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "mlspec")], capture_output=True, check=False)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big"
        specs = make_repo(big, 1000)
        validate = time_command(
            [PYTHON, "-m", "mlspec", "validate", "--no-file-checks", *map(str, specs)], repeat=repeat
        )
        render = time_command([PYTHON, "-m", "mlspec", "render"], cwd=big, repeat=repeat)
        files = sorted((big / ".github" / "workflows").glob("*.yml"))
        assert len(files) == 3000, len(files)
        results["render_1000"] = {
            "seconds": render,
            "baseline_validate_1000": validate,
            "ratio": render["median"] / validate["median"],
            "target_seconds": RENDER_TARGET,
            "met": render["median"] <= RENDER_TARGET,
        }

        small = Path(tmp) / "small"
        specs = make_repo(small, 100)
        subprocess.run([PYTHON, "-m", "mlspec", "render"], cwd=small, check=True, capture_output=True)
        check = time_command([PYTHON, "-m", "mlspec", "render", "--check"], cwd=small, repeat=repeat + 2)
        loaded = specs + sorted((small / ".github" / "workflows").glob("*.yml"))
        raw = time_command(yaml_load_command(loaded), repeat=repeat + 2)
        results["check_100"] = {
            "seconds": check,
            "baseline_yaml_load_specs_and_workflows": raw,
            "ratio": check["median"] / raw["median"],
            "target_seconds": 1.0,
            "met": check["median"] < 1.0,
        }
    r, c = results["render_1000"], results["check_100"]
    print(
        table(
            [
                (
                    "`mlspec render` of 1,000 specs (3,000 files)",
                    f"{r['seconds']['median']:.2f} s",
                    f"{r['ratio']:.2f}x `mlspec validate` of the same specs ({r['baseline_validate_1000']['median']:.2f} s); "
                    f"target <= {RENDER_TARGET:g} s: {'met' if r['met'] else 'NOT met'}",
                ),
                (
                    "`mlspec render --check`, 100 unchanged projects",
                    f"{c['seconds']['median']:.2f} s",
                    f"{c['ratio']:.2f}x a raw YAML load (libyaml) of the same 400 files "
                    f"({c['baseline_yaml_load_specs_and_workflows']['median']:.2f} s); target < 1 s: "
                    f"{'met' if c['met'] else 'NOT met'}",
                ),
            ]
        )
    )
    print(f"wrote {write_results('render', results)}")


if __name__ == "__main__":
    main()
