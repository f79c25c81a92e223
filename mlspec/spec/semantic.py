"""Checks that types alone cannot express: files exist, names refer to each other, no cycles."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.fsio import display_path
from mlspec.metrics_catalog import METRICS
from mlspec.spec.models import Spec


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
        chain, current = [env.name], env.requires
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
    return findings


def _gate_findings(spec: Spec) -> list[Finding]:
    findings: list[Finding] = []
    known = METRICS[spec.evaluate.task]
    env_names = {env.name for env in spec.environments}
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
        if gate.environment is not None and gate.environment not in env_names:
            findings.append(
                Finding(
                    ("gates", i, "environment"),
                    f"gate refers to environment {gate.environment!r}, which is not defined",
                    "unknown-environment",
                )
            )
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


def _column_findings(spec: Spec) -> list[Finding]:
    data = spec.data
    findings = []
    if data.label in data.categorical:
        findings.append(Finding(("data", "categorical"), f"the label {data.label!r} is listed as a feature column", "column"))
    if data.features and data.label in data.features:
        findings.append(Finding(("data", "features"), f"the label {data.label!r} is listed as a feature column", "column"))
    if data.features:
        for column in data.categorical:
            if column not in data.features:
                findings.append(
                    Finding(("data", "categorical"), f"categorical column {column!r} is not in `features`", "column")
                )
    return findings


def _file_findings(spec: Spec, base: Path) -> list[Finding]:
    findings: list[Finding] = []
    for key in ("train", "test", "source"):
        value = getattr(spec.data, key)
        if value is None:
            continue
        target = base / value
        if not target.is_file():
            findings.append(
                Finding(
                    ("data", key),
                    f"data file {value!r} not found",
                    "missing-file",
                    f"paths are relative to the spec's folder; looked for {display_path(target)}",
                )
            )
    entrypoint = spec.train.entrypoint
    if entrypoint:
        target_text, _, _function = entrypoint.rpartition(":")
        if target_text.endswith(".py"):
            if not (base / target_text).is_file():
                findings.append(
                    Finding(
                        ("train", "entrypoint"),
                        f"training code {target_text!r} not found",
                        "missing-file",
                        f"paths are relative to the spec's folder; looked for {display_path(base / target_text)}",
                    )
                )
        else:
            parts = target_text.split(".")
            local = base.joinpath(*parts)
            if not (local.with_suffix(".py").is_file() or (local / "__init__.py").is_file()):
                if importlib.util.find_spec(parts[0]) is None:
                    findings.append(
                        Finding(
                            ("train", "entrypoint"),
                            f"module {target_text!r} is neither under {base} nor installed",
                            "missing-file",
                        )
                    )
    return findings


def semantic_findings(spec: Spec, base: Path, *, check_files: bool = True) -> list[Finding]:
    findings = _environment_findings(spec) + _gate_findings(spec) + _column_findings(spec)
    if check_files:
        findings += _file_findings(spec, base)
    return findings
