"""The body of the upload-sarif stand-in (tests/acceptance/act): what github/codeql-action/upload-sarif v4.36.2 and code
scanning's processing would reject, checked offline, then the accepted SARIF recorded for the test.

Checks, each failing the step with `::error::` lines and exit 1:
- the action's own inputs: a token (the real action authenticates with it; the job needs
  `security-events: write`), `ref` and `sha` together or not at all, `wait-for-processing` true or false;
- the file: `Path does not exist: ...`, a directory without `.sarif` files, not JSON (the real action's words);
- the SARIF 2.1.0 schema the real action validates with (its src/sarif-schema-2.1.0.json, the copy in
  tests/spec, path in MLSPEC_STANDIN_SARIF_SCHEMA; URI formats are not checked, as the real action only warns);
- code scanning's rules: `version` 2.1.0, a `$schema`, at most 20 runs, a `tool.driver.name`, at most
  25,000 results a run, every result's `ruleId` one of the driver's rules (and `ruleIndex` pointing at it),
  a message, 1 to 10 locations each with an `artifactLocation.uri` that names an existing file of the
  checkout (relative, or a file: URI inside `checkout_path`) and a `region.startLine` from 1 to the file's
  line count (`startColumn`, if any, at least 1).

Accepted files are copied to $MLSPEC_STANDIN_UPLOADS/<n>.sarif with <n>.json beside them (category, ref, sha,
checkout path, workflow, job); the step outputs `sarif-id` and `sarif-ids` like the real action.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

MAX_RUNS = 20  # code scanning's limits for one uploaded file (GitHub docs, "SARIF support for code scanning")
MAX_RESULTS = 25_000
MAX_LOCATIONS = 10


class Rejected(Exception):
    """What the real action would fail the step with."""


def sarif_files(path: Path) -> list[Path]:
    if not path.exists():
        raise Rejected(f"Path does not exist: {path}")
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.sarif") if p.is_file())
        if not found:
            raise Rejected(f'No SARIF files found to upload in "{path}".')
        return found
    return [path]


def read_sarif(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(f"Invalid SARIF. JSON syntax error: {exc}") from None


def schema_errors(log: Any) -> list[str]:
    """The SARIF 2.1.0 schema, as the real action applies it (formats are not checked)."""
    schema_path = os.environ.get("MLSPEC_STANDIN_SARIF_SCHEMA", "")
    if not schema_path or not Path(schema_path).is_file():
        raise Rejected(
            "the stand-in needs MLSPEC_STANDIN_SARIF_SCHEMA: the path of the SARIF 2.1.0 schema (tests/spec)"
        )
    try:
        import jsonschema
    except ImportError:
        raise Rejected(
            "the stand-in needs the Python package jsonschema on the step's python (mlspec's environment has it)"
        ) from None
    validator = jsonschema.Draft202012Validator(json.loads(Path(schema_path).read_text("utf-8")))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(log)
    ]


def artifact_file(uri: str, checkout: Path) -> Path | None:
    """The checkout's file a location URI names, as code scanning resolves it; None when it names none."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        target = Path(unquote(parsed.path))
    elif parsed.scheme or uri.startswith("/"):
        return None
    else:
        target = checkout / unquote(uri)
    try:
        resolved = target.resolve()
        resolved.relative_to(checkout.resolve())
    except (OSError, ValueError):
        return None
    return resolved if resolved.is_file() else None


def location_problems(where: str, location: Any, checkout: Path) -> list[str]:
    physical = location.get("physicalLocation") if isinstance(location, dict) else None
    uri = (physical or {}).get("artifactLocation", {}).get("uri") if isinstance(physical, dict) else None
    if not isinstance(uri, str) or not uri:
        return [f"{where}: no physicalLocation.artifactLocation.uri"]
    target = artifact_file(uri, checkout)
    if target is None:
        return [f"{where}: uri {uri!r} names no file of the checkout {checkout}"]
    region = physical.get("region")
    if not isinstance(region, dict) or "startLine" not in region:
        return [f"{where}: no region.startLine (code scanning shows an alert on a line)"]
    problems = []
    line, column = region.get("startLine"), region.get("startColumn", 1)
    lines = len(target.read_bytes().splitlines())
    if not isinstance(line, int) or not 1 <= line <= lines:
        problems.append(f"{where}: region.startLine {line!r} is not a line of {uri} (1 to {lines})")
    if not isinstance(column, int) or column < 1:
        problems.append(f"{where}: region.startColumn {column!r} is below 1")
    return problems


def run_problems(index: int, run: Any, checkout: Path) -> list[str]:
    where = f"runs[{index}]"
    driver = run.get("tool", {}).get("driver", {}) if isinstance(run, dict) else {}
    if not isinstance(driver, dict) or not driver.get("name"):
        return [f"{where}: no tool.driver.name"]
    results = run.get("results")
    if not isinstance(results, list):
        return ["Invalid SARIF. Missing 'results' array in run."]
    if len(results) > MAX_RESULTS:
        return [f"{where}: {len(results)} results, more than code scanning's {MAX_RESULTS}"]
    rules = [rule.get("id") for rule in driver.get("rules", []) if isinstance(rule, dict)]
    problems = []
    for number, result in enumerate(results):
        at = f"{where}.results[{number}]"
        rule_id = result.get("ruleId") or (result.get("rule") or {}).get("id")
        if rule_id not in rules:
            problems.append(f"{at}: ruleId {rule_id!r} is not one of the driver's rules {rules}")
        elif "ruleIndex" in result and (
            not 0 <= result["ruleIndex"] < len(rules) or rules[result["ruleIndex"]] != rule_id
        ):
            problems.append(f"{at}: ruleIndex {result['ruleIndex']} does not point at the rule {rule_id!r}")
        if not (result.get("message") or {}).get("text"):
            problems.append(f"{at}: no message.text")
        locations = result.get("locations")
        if not isinstance(locations, list) or not 1 <= len(locations) <= MAX_LOCATIONS:
            problems.append(f"{at}: needs 1 to {MAX_LOCATIONS} locations")
            continue
        for place, location in enumerate(locations):
            problems += location_problems(f"{at}.locations[{place}]", location, checkout)
    return problems


def check(log: Any, path: Path, checkout: Path) -> None:
    problems = schema_errors(log)
    if problems:
        raise Rejected(f'Unable to upload "{path}" as it is not valid SARIF:\n' + "\n".join(f"- {p}" for p in problems))
    if log.get("version") != "2.1.0":
        problems.append(f"version {log.get('version')!r}: code scanning takes SARIF 2.1.0")
    if "sarif-2.1.0" not in str(log.get("$schema", "")):
        problems.append(f"$schema {log.get('$schema')!r} does not name the SARIF 2.1.0 schema")
    runs = log.get("runs")
    if not isinstance(runs, list):
        raise Rejected("Invalid SARIF. Missing 'runs' array.")
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs, more than code scanning's {MAX_RUNS}")
    for index, run in enumerate(runs):
        problems += run_problems(index, run, checkout)
    if problems:
        raise Rejected(f'code scanning would reject "{path}":\n' + "\n".join(f"- {p}" for p in problems))


def inputs() -> dict[str, str]:
    names = ["sarif_file", "checkout_path", "ref", "sha", "token", "matrix", "category", "wait_for_processing"]
    return {name: os.environ.get(f"INPUT_{name.upper()}", "") for name in names}


def main() -> int:
    given = inputs()
    try:
        if not given["token"]:
            raise Rejected(
                "no token: the real action authenticates with the job's GITHUB_TOKEN, which needs security-events: write"
            )
        if bool(given["ref"]) != bool(given["sha"]):
            raise Rejected("the ref and sha inputs go together: give both or neither")
        if given["wait_for_processing"] not in ("true", "false"):
            raise Rejected(f"wait-for-processing must be true or false, not {given['wait_for_processing']!r}")
        uploads = os.environ.get("MLSPEC_STANDIN_UPLOADS", "")
        if not uploads:
            raise Rejected("the stand-in needs MLSPEC_STANDIN_UPLOADS: the folder to record accepted SARIF files in")
        checkout = Path(given["checkout_path"] or os.getcwd())
        files = sarif_files(Path(given["sarif_file"]))
        for path in files:
            check(read_sarif(path), path, checkout)
    except Rejected as exc:
        for line in str(exc).splitlines():
            print(f"::error::{line}")
        return 1
    folder = Path(uploads)
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for path in files:
        number = len(list(folder.glob("*.sarif"))) + 1
        shutil.copyfile(path, folder / f"{number}.sarif.tmp")
        os.replace(folder / f"{number}.sarif.tmp", folder / f"{number}.sarif")
        ids.append(hashlib.sha256(path.read_bytes()).hexdigest()[:32])
        record = {
            "source": str(path),
            "sarif_id": ids[-1],
            "category": given["category"],
            "checkout_path": str(checkout),
            "ref": given["ref"] or os.environ.get("GITHUB_REF", ""),
            "sha": given["sha"] or os.environ.get("GITHUB_SHA", ""),
            "workflow": os.environ.get("GITHUB_WORKFLOW", ""),
            "job": os.environ.get("GITHUB_JOB", ""),
            "event_name": os.environ.get("GITHUB_EVENT_NAME", ""),
            "token_given": True,
        }
        (folder / f"{number}.json.tmp").write_text(json.dumps(record, indent=2) + "\n")
        os.replace(folder / f"{number}.json.tmp", folder / f"{number}.json")
        print(f"recorded {path} as {folder / f'{number}.sarif'} (category {given['category'] or '(none)'})")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"sarif-id={ids[0]}\nsarif-ids={json.dumps({'code-scanning': ids[0]})}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
