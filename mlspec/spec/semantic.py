"""Checks that types alone cannot express: files exist, names refer to each other, no cycles."""

from __future__ import annotations

import difflib
import importlib.util
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import shown
from mlspec.fsio import display_path
from mlspec.metrics_catalog import METRICS
from mlspec.repo_root import repository_root
from mlspec.safepath import escapes
from mlspec.spec.models import Spec
from mlspec.spec.serving_log import is_url


@dataclass(frozen=True)
class Finding:
    loc: tuple[Any, ...]
    message: str
    kind: str
    hint: str | None = None


def _environment_findings(spec: Spec) -> list[Finding]:
    findings: list[Finding] = []
    names = [env.name for env in spec.environments]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            findings.append(Finding(("environments", i, "name"), f"environment {name!r} is defined twice", "duplicate"))
        seen.add(name)
    requires = {env.name: env.requires for env in spec.environments}
    for i, env in enumerate(spec.environments):
        if env.requires is None:
            continue
        if env.requires not in requires:
            findings.append(
                Finding(
                    ("environments", i, "requires"),
                    f"environment {env.name!r} requires {env.requires!r}, which is not defined",
                    "unknown-environment",
                    f"define it under `environments` or use one of: {', '.join(names)}",
                )
            )
            continue
        chain: list[str] = [env.name]
        current: str | None = env.requires
        while current is not None and current not in chain:
            chain.append(current)
            current = requires.get(current)
        if current == env.name:
            findings.append(
                Finding(
                    ("environments", i, "requires"),
                    f"environments require each other in a cycle: {' -> '.join(chain + [env.name])}",
                    "cycle",
                    "one environment in the chain must have no `requires`",
                )
            )
        elif names.index(env.requires) > i:
            findings.append(
                Finding(
                    ("environments", i, "requires"),
                    f"environment {env.name!r} requires {env.requires!r}, which comes later in the promotion order",
                    "environment-order",
                    "list environments in promotion order: each may only require one listed before it",
                )
            )
    return findings + _kubernetes_findings(spec)


def _kubernetes_findings(spec: Spec) -> list[Finding]:
    """A cluster pulls the image from a registry: environments on Kubernetes need `serve.container.registry`."""
    if spec.serve.container.registry:
        return []
    return [
        Finding(
            ("environments", i, "kubernetes"),
            f"environment {env.name!r} runs on Kubernetes, but serve.container.registry is not set: "
            "the cluster has no registry to pull the image from",
            "kubernetes-registry",
            "set serve.container.registry (e.g. ghcr.io) and serve.container.repository",
        )
        for i, env in enumerate(spec.environments)
        if env.kubernetes is not None
    ]


EXPRESSION_MARKER = "${{"


def _expression_findings(spec: Spec) -> list[Finding]:
    """Free-text shell commands are written into the workflows: GitHub would evaluate `${{ }}` there."""
    free_text: dict[tuple[Any, ...], str | None] = {("ci", "install"): spec.ci.install}
    if spec.triggers.drift is not None:
        free_text[("triggers", "drift", "command")] = spec.triggers.drift.command
    return [
        Finding(
            loc,
            "contains '${{', which GitHub Actions would evaluate as an expression inside the generated workflow",
            "expression",
            "remove the '${{ ... }}' text; pass values to the command through environment variables",
        )
        for loc, value in free_text.items()
        if value is not None and EXPRESSION_MARKER in value
    ]


def _metric_findings(spec: Spec) -> list[Finding]:
    findings: list[Finding] = []
    known = METRICS[spec.evaluate.task]
    for i, metric in enumerate(spec.evaluate.metrics or []):
        if metric not in known:
            findings.append(
                Finding(
                    ("evaluate", "metrics", i),
                    f"metric {metric!r} is not computed for task {spec.evaluate.task!r}",
                    "unknown-metric",
                    f"choose from: {', '.join(known)}",
                )
            )
    for i, gate in enumerate(spec.gates):
        if gate.metric not in known:
            findings.append(
                Finding(
                    ("gates", i, "metric"),
                    f"metric {gate.metric!r} is not computed for task {spec.evaluate.task!r}",
                    "unknown-metric",
                    f"choose from: {', '.join(known)}",
                )
            )
    return findings


def _gate_environment_findings(spec: Spec) -> list[Finding]:
    findings: list[Finding] = []
    env_names = {env.name for env in spec.environments}
    for i, gate in enumerate(spec.gates):
        if gate.environment is not None and gate.environment not in env_names:
            findings.append(
                Finding(
                    ("gates", i, "environment"),
                    f"gate refers to environment {gate.environment!r}, which is not defined",
                    "unknown-environment",
                )
            )
    return findings


def _positive_class_findings(spec: Spec) -> list[Finding]:
    if spec.evaluate.positive_class is None or spec.evaluate.task == "binary":
        return []
    return [
        Finding(
            ("evaluate", "positive_class"),
            f"positive_class applies to binary tasks only; evaluate.task is {spec.evaluate.task!r}",
            "positive-class-task",
            "remove evaluate.positive_class, or set evaluate.task to binary",
        )
    ]


def _drift_environment_findings(spec: Spec) -> list[Finding]:
    findings: list[Finding] = []
    env_names = {env.name for env in spec.environments}
    drift = spec.triggers.drift
    if drift is not None and drift.environment is not None and drift.environment not in env_names:
        findings.append(
            Finding(
                ("triggers", "drift", "environment"),
                f"drift monitoring refers to environment {drift.environment!r}, which is not defined",
                "unknown-environment",
            )
        )
    return findings


def _drift_source_findings(spec: Spec) -> list[Finding]:
    """The monitor's current data comes from one place: `current`, `command`, or the serving log."""
    drift, log = spec.triggers.drift, spec.serve.monitoring
    if drift is None or not drift.enabled:
        return []
    given = [key for key in ("current", "command") if getattr(drift, key)]
    if log is None:
        if given:
            return []
        return [
            Finding(
                ("triggers", "drift"),
                "drift monitoring needs its current data: `current` (a path), `command` (which writes the data) "
                "or `serve.monitoring` (the monitor then reads the serving log)",
                "drift-source",
            )
        ]
    if given:
        return [
            Finding(
                ("triggers", "drift", given[0]),
                f"the monitor reads the serving log (serve.monitoring), so `{given[0]}` would be a second source of "
                "current data",
                "drift-source",
                f"remove triggers.drift.{given[0]}, or remove serve.monitoring to monitor that data instead",
            )
        ]
    if not is_url(log.sink) and not log.sink.startswith("/"):
        return [
            Finding(
                ("serve", "monitoring", "sink"),
                f"the monitor workflow reads the serving log, but the sink {log.sink!r} is a relative folder, which "
                "a runner cannot reach",
                "drift-source",
                "use an object-store URL (s3://bucket/prefix) or an absolute folder a self-hosted runner mounts",
            )
        ]
    return []


def _column_findings(spec: Spec) -> list[Finding]:
    data = spec.data
    findings = []
    if data.label in data.categorical:
        findings.append(
            Finding(("data", "categorical"), f"the label {data.label!r} is listed as a feature column", "column")
        )
    if data.features and data.label in data.features:
        findings.append(
            Finding(("data", "features"), f"the label {data.label!r} is listed as a feature column", "column")
        )
    split = data.split
    if split.method == "time" and not (split.column or data.datetime):
        findings.append(
            Finding(
                ("data", "split", "method"),
                "a time split needs a time column",
                "column",
                "set `data.split.column` or `data.datetime` to the column holding the row times",
            )
        )
    if split.column is not None and split.column == data.label:
        findings.append(
            Finding(
                ("data", "split", "column"),
                f"the split column is the label {data.label!r}",
                "column",
                "split by a time or group column, not by the label",
            )
        )
    if data.features:
        for i, column in enumerate(data.categorical):
            if column not in data.features:
                findings.append(
                    Finding(
                        ("data", "categorical", i),
                        f"categorical column {column!r} is not in `features`",
                        "column",
                        _did_you_mean(
                            column,
                            list(data.features),
                            "add it to `data.features` (the model sees only those columns), or remove it here",
                        ),
                    )
                )
    return findings


def _escape_finding(loc: tuple[Any, ...], value: str, base: Path, root: Path) -> Finding | None:
    """A finding when ``value`` (relative to the spec's folder; symlinks resolved) leaves the repository."""
    if not escapes(base / value, root):
        return None
    return Finding(
        loc,
        f"{shown(value)} leads outside the repository",
        "outside-repository",
        "paths are relative to the spec's folder and must stay inside the repository "
        "(symbolic links must not lead out of it either)",
    )


def _data_file_findings(spec: Spec, base: Path, root: Path) -> list[Finding]:
    from mlspec.datasource import dvc_fingerprint, is_url

    findings: list[Finding] = []
    for key in ("train", "test", "source"):
        value = getattr(spec.data, key)
        if value is None or is_url(value):  # a URL is looked up when the data is read
            continue
        escape = _escape_finding(("data", key), value, base, root)
        if escape is not None:
            findings.append(escape)
            continue
        target = base / value
        if not target.is_file() and dvc_fingerprint(target, root) is None:  # DVC-tracked: `mlspec pull` gets it
            findings.append(
                Finding(
                    ("data", key),
                    f"data file {value!r} not found",
                    "missing-file",
                    f"paths are relative to the spec's folder; looked for {display_path(target)}",
                )
            )
    return findings


def _entrypoint_findings(spec: Spec, base: Path, root: Path) -> list[Finding]:
    entrypoint = spec.train.entrypoint
    if not entrypoint:
        return []
    target_text, _, _function = entrypoint.rpartition(":")
    if target_text.endswith(".py"):
        escape = _escape_finding(("train", "entrypoint"), target_text, base, root)
        if escape is not None:
            return [escape]
        if not (base / target_text).is_file():
            return [
                Finding(
                    ("train", "entrypoint"),
                    f"training code {target_text!r} not found",
                    "missing-file",
                    f"paths are relative to the spec's folder; looked for {display_path(base / target_text)}",
                )
            ]
        return []
    parts = target_text.split(".")
    local = base.joinpath(*parts)
    if not (local.with_suffix(".py").is_file() or (local / "__init__.py").is_file()):
        if importlib.util.find_spec(parts[0]) is None:
            return [
                Finding(
                    ("train", "entrypoint"),
                    f"module {target_text!r} is neither under {base} nor installed",
                    "missing-file",
                )
            ]
    return []


def _glob_findings(spec: Spec, base: Path, root: Path) -> list[Finding]:
    """Path globs (compared as text, as GitHub's path filters are) and `triggers.drift.current` (a path,
    symlinks resolved) must stay inside the repository."""
    folder = base.resolve().relative_to(root).as_posix()
    findings = []
    paths = spec.triggers.paths
    for group in ("data", "config", "code"):
        for i, pattern in enumerate(getattr(paths, group) or []):
            joined = posixpath.normpath(posixpath.join(folder, pattern.lstrip("!")))
            if joined == ".." or joined.startswith("../"):
                findings.append(
                    Finding(
                        ("triggers", "paths", group, i),
                        f"path glob {shown(pattern)} points outside the repository",
                        "outside-repository",
                        "globs are relative to the spec's folder and must stay inside the repository",
                    )
                )
    drift = spec.triggers.drift
    if drift is not None and drift.current:
        escape = _escape_finding(("triggers", "drift", "current"), drift.current, base, root)
        findings += [escape] if escape is not None else []
    return findings


def _file_findings(spec: Spec, base: Path) -> list[Finding]:
    root = repository_root(base, fallback=True)
    return (
        _data_file_findings(spec, base, root)
        + _entrypoint_findings(spec, base, root)
        + _glob_findings(spec, base, root)
    )


def _command_code_findings(spec: Spec, base: Path, check_files: bool) -> list[Finding]:
    """With `train.command`, CT must know the training code: the scripts the command names, or
    triggers.paths.code (never the whole folder, which would include the promotion files)."""
    from mlspec.input_patterns import CODE_UNKNOWN, CODE_UNKNOWN_HINT, command_scripts

    if not spec.train.command or spec.triggers.paths.code is not None:
        return []
    scripts = command_scripts(spec.train.command)
    if not scripts:
        return [Finding(("train", "command"), CODE_UNKNOWN, "code-unknown", CODE_UNKNOWN_HINT)]
    missing = [s for s in scripts if check_files and not (base / s).exists()]
    return [
        Finding(
            ("train", "command"),
            f"train.command runs {s!r}, which is not in the spec's folder, so CT would not watch the training code",
            "code-unknown",
            CODE_UNKNOWN_HINT,
        )
        for s in missing
    ]


def _did_you_mean(word: str, choices: list[str], listing: str) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else listing


def _unknown_keywords(given: dict[str, Any], info: dict[str, Any]) -> list[str]:
    return [] if info["any_keyword"] else [k for k in given if k not in info["params"]]


def _deepchecks_findings(spec: Spec) -> list[Finding]:
    """Skipped checks, configured checks, their parameters and conditions against the shipped catalog of
    deepchecks' names (no deepchecks import: validate stays fast)."""
    from mlspec.spec import check_catalog

    findings: list[Finding] = []
    names = check_catalog.check_names()
    for kind in ("data", "model"):
        tests = getattr(spec.tests, kind)
        in_suites = [c for suite in tests.suites for c in check_catalog.suite_checks(suite)]
        for i, name in enumerate(tests.skip):
            if name not in in_suites:
                where = (
                    f"in the {kind} suites ({', '.join(tests.suites)})"
                    if tests.suites
                    else f"in tests.{kind}.suites (none)"
                )
                other = "model" if kind == "data" else "data"
                elsewhere = any(name in check_catalog.suite_checks(s) for s in getattr(spec.tests, other).suites)
                hint = (
                    f"{name} is a check of the {other} tests: list it under tests.{other}.skip"
                    if elsewhere
                    else _did_you_mean(name, in_suites, "their checks: " + ", ".join(in_suites))
                )
                findings.append(
                    Finding(("tests", kind, "skip", i), f"check {name!r} is not {where}", "unknown-check", hint)
                )
        for i, check in enumerate(tests.checks):
            info = check_catalog.check_info(check.name)
            if info is None:
                findings.append(
                    Finding(
                        ("tests", kind, "checks", i, "name"),
                        f"deepchecks has no tabular check {check.name!r}",
                        "unknown-check",
                        _did_you_mean(check.name, names, "see the deepchecks.tabular.checks names"),
                    )
                )
                continue
            for key in _unknown_keywords(check.params, info):
                findings.append(
                    Finding(
                        ("tests", kind, "checks", i, "params", key),
                        f"{check.name} has no parameter {key!r}",
                        "unknown-parameter",
                        _did_you_mean(key, info["params"], "its parameters: " + ", ".join(info["params"])),
                    )
                )
            conditions = info["conditions"]
            for j, cond in enumerate(check.conditions):
                cinfo = conditions.get(cond.name)
                if cinfo is None:
                    listing = "its conditions: " + (", ".join(conditions) or "(none)")
                    findings.append(
                        Finding(
                            ("tests", kind, "checks", i, "conditions", j, "name"),
                            f"{check.name} has no condition {cond.name!r}",
                            "unknown-condition",
                            _did_you_mean(cond.name, list(conditions), listing),
                        )
                    )
                    continue
                for key in _unknown_keywords(cond.params, cinfo):
                    findings.append(
                        Finding(
                            ("tests", kind, "checks", i, "conditions", j, "params", key),
                            f"condition {cond.name} of {check.name} has no parameter {key!r}",
                            "unknown-parameter",
                            _did_you_mean(
                                key, cinfo["params"], "its parameters: " + (", ".join(cinfo["params"]) or "(none)")
                            ),
                        )
                    )
    return findings


def semantic_findings(spec: Spec, base: Path, *, check_files: bool = True, partial: bool = False) -> list[Finding]:
    """Every cross-field problem of ``spec``. ``partial``: ``spec`` holds only the sections that validated (the
    others have errors of their own, already reported); a check that reads a missing section is skipped."""
    checks: list[Callable[[], list[Finding]]] = [
        lambda: _environment_findings(spec),
        lambda: _metric_findings(spec),
        lambda: _gate_environment_findings(spec),
        lambda: _positive_class_findings(spec),
        lambda: _drift_environment_findings(spec),
        lambda: _drift_source_findings(spec),
        lambda: _column_findings(spec),
        lambda: _expression_findings(spec),
        lambda: _deepchecks_findings(spec),
        lambda: _command_code_findings(spec, base, check_files),
    ]
    if check_files:
        checks.append(lambda: _file_findings(spec, base))
    findings: list[Finding] = []
    for check in checks:
        if not partial:
            findings += check()
            continue
        try:
            findings += check()
        except AttributeError:  # a section this check reads had its own errors
            continue
    return findings
