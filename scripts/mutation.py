"""Mutation testing of the decision core with mutmut (`make mutation`, `make mutation MODULE=mlspec/hosts/github/paths.py`).

For each module of mutation/modules.toml: a work folder build/mutation/<module>/ that holds links to
mlspec/, tests/ and the files the tests read, and a pyproject.toml with a [tool.mutmut] section that
mutates only that module and selects only its paired tests; `mutmut run` there (each mutant runs only
the paired tests that call the mutated function); then the score:

    killed / (mutants - listed equivalent mutants that survived)

Equivalent mutants (no observable difference) are listed in mutation/equivalent.toml with the line
mutmut's diff adds and the reason; an entry whose mutant is gone, whose diff no longer shows that line,
or that the tests kill, is reported stale and excluded from nothing. Exit status 1 below the threshold.

    python scripts/mutation.py [--module PATH ...] [--score-only] [--max-children N]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mutation" / "modules.toml"
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
WORK = ROOT / "build" / "mutation"
# What the paired tests read besides mlspec/ and tests/ (linked into each work folder; mutmut copies them).
ALSO_COPY = ["examples", "schemas", "actions", "docs", "README.md"]
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


@dataclass
class Score:
    module: str
    total: int = 0
    killed: int = 0
    equivalent: list[str] = field(default_factory=list)
    survivors: dict[str, str] = field(default_factory=dict)  # name -> status
    not_run: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.total - len(self.equivalent)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.counted if self.counted else 100.0


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def work_dir(module: str) -> Path:
    return WORK / slug(module)


def mutmut_config(module: str, spec: dict[str, object]) -> str:
    tests = spec["tests"]
    assert isinstance(tests, list) and tests, f"{module}: tests must list the paired test files"
    marker = str(spec.get("marker", "not slow and not docker"))
    values = {
        "source_paths": ["mlspec"],
        "only_mutate": [module],
        "also_copy": ALSO_COPY,
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-m", marker]
        + (["-k", str(spec["select"])] if "select" in spec else []),
        "use_git_change_detection": False,
        # mutmut times a mutant out at (the tests' own duration + constant) x multiplier seconds; the duration it
        # measures leaves out fixtures (a session fixture that trains a model runs again in every mutant's
        # process), so the constant is generous: a timeout should mean a mutant that loops, not a busy machine.
        "timeout_constant": 20.0,
        "timeout_multiplier": 5.0,
        # Each mutant runs in a process forked from a server that collected the tests but ran none: forked from
        # mutmut's own process, it would inherit the caches (functools.lru_cache) the stats run filled with the
        # original code's results, and a mutant behind a cache would never run.
        "process_isolation": "forkserver",
        # What a raised error says is not mutated (its wording has no decision in it); the `if` that raises is.
        "do_not_mutate_patterns": [r"^\s*raise "],
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def prepare(module: str, spec: dict[str, object], tests: Path) -> Path:
    """A fresh work folder: links to the sources, this module's mutmut configuration, no old mutants."""
    work = work_dir(module)
    if work.exists():
        shutil.rmtree(work)
    # mutants/ exists before mutmut starts: Python caches a PYTHONPATH folder that is missing at start-up as
    # absent, and the tests would then import the original mlspec instead of the mutated copy.
    (work / "mutants").mkdir(parents=True)
    for name in ["mlspec", *ALSO_COPY]:
        (work / name).symlink_to(ROOT / name)
    (work / "tests").symlink_to(tests.resolve())
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    (work / "pyproject.toml").write_text(text + mutmut_config(module, spec), "utf-8")
    return work


def mutmut(work: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(work / "mutants")}  # CLI subprocesses of the tests import the mutants
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args], cwd=work, env=env, text=True, capture_output=capture, check=False
    )


def selected(name: str, module: str, spec: dict[str, object]) -> bool:
    """Whether the mutant is in scope: `mutants` in modules.toml lists globs of names without the module."""
    patterns = spec.get("mutants") or ["*"]
    assert isinstance(patterns, list)
    return any(fnmatch.fnmatchcase(name.removeprefix(slug(module) + "."), p) for p in patterns)


def diff(work: Path, name: str) -> str:
    return mutmut(work, "show", name, capture=True).stdout


def score(module: str, spec: dict[str, object], equivalents: list[dict[str, str]]) -> Score:
    from mutmut.stats import status_by_exit_code

    work = work_dir(module)
    meta = work / "mutants" / (module + ".meta")
    if not meta.is_file():
        raise SystemExit(f"{module}: no mutmut results in {meta.relative_to(ROOT)}; run without --score-only first")
    codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    result = Score(module)
    listed = {e["mutant"]: e for e in equivalents if e["module"] == module}
    for name, code in sorted(codes.items()):
        if not selected(name, module, spec):
            continue
        status = status_by_exit_code[code]
        result.total += 1
        if status in KILLED:
            result.killed += 1
            if name in listed:
                result.stale.append(f"{name} is listed as equivalent but the tests kill it: remove it from the list")
        elif status in NOT_RUN:
            result.not_run.append(name)
        elif name in listed:
            if listed[name]["line"].strip() in {
                line[1:].strip() for line in diff(work, name).splitlines() if line.startswith("+")
            }:
                result.equivalent.append(name)
            else:
                result.stale.append(f"{name}: its diff no longer adds `{listed[name]['line']}`: check it again")
                result.survivors[name] = status
        else:
            result.survivors[name] = status
    for name in listed.keys() - codes.keys():
        result.stale.append(f"{name} is listed as equivalent but mutmut made no such mutant")
    return result


def report(scores: list[Score], threshold: float, show_diffs: bool) -> bool:
    killed = sum(s.killed for s in scores)
    counted = sum(s.counted for s in scores)
    for s in scores:
        print(
            f"{s.module}: {s.killed} of {s.counted} killed ({s.percent:.1f}%), "
            f"{len(s.equivalent)} equivalent excluded, {len(s.survivors)} survived"
        )
        for name, status in s.survivors.items():
            print(f"  {status}: {name}")
            if show_diffs:
                print("    " + "\n    ".join(diff(work_dir(s.module), name).splitlines()[1:]))
        for line in s.stale:
            print(f"  stale equivalent entry: {line}")
        if s.not_run:
            print(f"  {len(s.not_run)} mutants were not run: {', '.join(s.not_run[:5])}")
    total = 100.0 * killed / counted if counted else 100.0
    ok = total >= threshold and not any(s.not_run for s in scores)
    print(f"mutation score: {killed} of {counted} ({total:.1f}%), threshold {threshold:g}%: {'OK' if ok else 'FAILED'}")
    WORK.mkdir(parents=True, exist_ok=True)
    summary = {
        "threshold": threshold,
        "score": round(total, 2),
        "modules": {
            s.module: {
                "killed": s.killed,
                "mutants": s.total,
                "equivalent": s.equivalent,
                "score": round(s.percent, 2),
                "survived": s.survivors,
                "not_run": s.not_run,
                "stale": s.stale,
            }
            for s in scores
        },
    }
    (WORK / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="a module of mutation/modules.toml (default: all)")
    parser.add_argument("--score-only", action="store_true", help="score the last run's results, run nothing")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's diff")
    parser.add_argument(
        "--mutants",
        action="append",
        help="only these mutants of the module (glob of mutmut's names without the module, e.g. 'x__absolute*'): "
        "for a quick loop on one function; the score then covers only them",
    )
    parser.add_argument(
        "--tests",
        type=Path,
        default=ROOT / "tests",
        help="the tests/ folder to run (default this checkout's; for an older suite: git archive REV tests | tar -x -C DIR)",
    )
    args = parser.parse_args(argv)
    config = tomllib.loads(CONFIG.read_text("utf-8"))
    modules: dict[str, dict[str, object]] = config["modules"]
    chosen = args.module or list(modules)
    unknown = [m for m in chosen if m not in modules]
    if unknown:
        print(f"mutation: {', '.join(unknown)} not in {CONFIG.relative_to(ROOT)} (known: {', '.join(modules)})")
        return 2
    equivalents = tomllib.loads(EQUIVALENT.read_text("utf-8")).get("equivalent", []) if EQUIVALENT.exists() else []
    if args.mutants:
        modules = {m: {**spec, "mutants": args.mutants} for m, spec in modules.items()}
    failed = []
    for module in chosen if not args.score_only else []:
        spec = modules[module]
        work = prepare(module, spec, args.tests)
        patterns = [f"{slug(module)}.{p}" for p in spec.get("mutants", [])] or [f"{slug(module)}.*"]  # type: ignore[union-attr]
        print(f"== {module}: mutmut in {work.relative_to(ROOT)}", flush=True)
        run = mutmut(work, "run", "--max-children", str(args.max_children), *patterns)
        if run.returncode != 0:
            print(f"mutation: mutmut failed for {module} (exit {run.returncode}); it has no score")
            failed.append(module)
    scores = [score(m, modules[m], equivalents) for m in chosen if m not in failed]
    ok = report(scores, float(config["threshold"]), args.diffs)
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
