"""Stage inputs and their digests (the cache keys), and why a stage is stale.

A stage's inputs are named components: `spec:<section>` (the section's JSON), `file:<path>` (a data or
code file's content digest), `version:<package>` and `stage:<upstream>` (the upstream stage's digest).
The stage digest is a hash over all of them. Nothing here imports pandas, deepchecks or bentoml."""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlspec import __version__
from mlspec.pipeline.fingerprint import StatCache, hash_bytes

STAGES = ("data_tests", "train", "evaluate", "model_tests")
TITLES = {"data_tests": "data tests", "train": "train", "evaluate": "evaluate", "model_tests": "model tests"}
UPSTREAM = {"data_tests": (), "train": (), "evaluate": ("train",), "model_tests": ("train",)}
LIBRARIES = {
    "data_tests": ("deepchecks", "pandas", "numpy", "scikit-learn"),
    "train": ("pandas", "numpy", "scikit-learn"),
    "evaluate": ("pandas", "numpy", "scikit-learn"),
    "model_tests": ("deepchecks", "pandas", "numpy", "scikit-learn"),
}
MAX_CODE_FILES = 5000
_SKIP_DIRS = {"__pycache__", ".git", ".mlspec", ".venv", "venv", "node_modules", ".tox"}


@lru_cache(maxsize=None)
def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def spec_sections(spec: Any) -> dict[str, Any]:
    """The JSON of every spec section a stage depends on."""
    dumped = spec.model_dump(mode="json", by_alias=True)
    return {
        "data": dumped["data"],
        "train": dumped["train"],
        "evaluate": dumped["evaluate"],
        "tests.data": dumped["tests"]["data"],
        "tests.model": dumped["tests"]["model"],
        "gates.metrics": sorted({g["metric"] for g in dumped["gates"]}),
    }


STAGE_SECTIONS = {
    "data_tests": ("data", "tests.data"),
    "train": ("data", "train"),
    "evaluate": ("data", "evaluate", "gates.metrics"),
    "model_tests": ("data", "tests.model"),
}


def _walk_py(folder: Path, out: set[Path]) -> None:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        out.update(Path(dirpath) / f for f in filenames if f.endswith(".py"))
        if len(out) > MAX_CODE_FILES:
            return


def code_files(loaded: Any) -> list[Path]:
    """The training code: the entrypoint file, and every .py under triggers.paths.code (or, without
    it, under the entrypoint's folder); for `module:function`, the module's file or package folder."""
    spec, root = loaded.spec, loaded.root
    found: set[Path] = set()
    entry = spec.train.entrypoint
    entry_folder: Path | None = None
    if entry:
        target = entry.rpartition(":")[0]
        if target.endswith(".py"):
            path = root / target
            if path.is_file():
                found.add(path)
            entry_folder = path.parent
        else:
            saved = list(sys.path)
            sys.path.insert(0, str(root))
            try:
                module_spec = importlib.util.find_spec(target.split(".")[0])
            except (ImportError, ValueError):
                module_spec = None
            finally:
                sys.path[:] = saved
            origin = getattr(module_spec, "origin", None)
            if origin and Path(origin).is_file() and Path(origin).resolve().is_relative_to(root.resolve()):
                origin_path = Path(origin)
                if origin_path.name == "__init__.py":
                    entry_folder = origin_path.parent
                else:
                    found.add(origin_path)
    patterns = spec.triggers.paths.code
    if patterns:
        excluded: set[Path] = set()
        for pattern in patterns:
            bucket = excluded if pattern.startswith("!") else found
            for match in glob.glob(str(root / pattern.lstrip("!")), recursive=True):
                p = Path(match)
                if p.is_dir():
                    _walk_py(p, bucket)
                elif p.suffix == ".py":
                    bucket.add(p)
        found -= excluded
    elif entry_folder is not None and entry_folder.resolve() != root.resolve():
        _walk_py(entry_folder, found)
    elif entry_folder is not None:
        found.update(p for p in entry_folder.glob("*.py"))
    return sorted(found)[:MAX_CODE_FILES]


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass
class Inputs:
    """Current inputs of every stage (cheap to compute: stat cache + spec)."""

    components: dict[str, dict[str, str]] = field(default_factory=dict)  # stage -> component -> digest
    digests: dict[str, str] = field(default_factory=dict)  # stage -> digest
    sections: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # relative path -> (digest, bytes)
    missing: list[str] = field(default_factory=list)  # data files that do not exist


def compute_inputs(loaded: Any, cache: StatCache) -> Inputs:
    from mlspec.pipeline.data import data_files

    spec, root = loaded.spec, loaded.root
    result = Inputs(sections=spec_sections(spec))
    data_components: dict[str, str] = {}
    for ref in data_files(loaded):
        try:
            digest, size = cache.digest(ref.path)
        except OSError:
            digest, size = "missing", 0
            result.missing.append(ref.relative)
        result.files[ref.relative] = (digest, size)
        data_components[f"file:{ref.relative}"] = digest
    code_components = {}
    for path in code_files(loaded):
        rel = relative(path, root)
        try:
            digest, size = cache.digest(path)
        except OSError:
            continue
        result.files[rel] = (digest, size)
        code_components[f"code:{rel}"] = digest
    for stage in STAGES:
        components: dict[str, str] = {}
        for section in STAGE_SECTIONS[stage]:
            components[f"spec:{section}"] = hash_bytes(json.dumps(result.sections[section], sort_keys=True).encode())
        components.update(data_components)
        if stage == "train":
            components.update(code_components)
        components["version:mlspec"] = __version__
        for lib in LIBRARIES[stage]:
            components[f"version:{lib}"] = package_version(lib)
        for up in UPSTREAM[stage]:
            components[f"stage:{up}"] = result.digests[up]
        result.components[stage] = components
        result.digests[stage] = hash_bytes(json.dumps(components, sort_keys=True).encode())
    return result


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        if not value:
            out[prefix] = {}
        return out
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _show(value: Any) -> str:
    return "(unset)" if value is _ABSENT else json.dumps(value)


_ABSENT = object()


def key_changes(section: str, old: Any, new: Any) -> list[str]:
    """`train.params.n_estimators: 100 -> 200` lines for a spec section."""
    prefix = section.replace("gates.metrics", "gates[].metric")
    a, b = _flatten(old, prefix), _flatten(new, prefix)
    lines = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, _ABSENT), b.get(key, _ABSENT)
        if va != vb:
            lines.append(f"{key}: {_show(va)} -> {_show(vb)}")
    return lines


def stale_reasons(
    stage: str, current: Inputs, previous_components: dict[str, str], previous_sections: dict[str, Any]
) -> list[str]:
    """Why ``stage``'s inputs differ from the previous ones, one line per change."""
    now = current.components[stage]
    reasons: list[str] = []
    for key in sorted(set(now) | set(previous_components)):
        new, old = now.get(key), previous_components.get(key)
        if new == old:
            continue
        kind, _, name = key.partition(":")
        if kind == "spec":
            if name in previous_sections:
                lines = key_changes(name, previous_sections.get(name), current.sections.get(name))
                reasons += lines or [f"spec section {name} changed"]
            else:
                reasons.append(f"spec section {name} changed")
        elif kind in ("file", "code"):
            label = "data file" if kind == "file" else "code file"
            if old is None:
                reasons.append(f"{label} {name} is new")
            elif new is None:
                reasons.append(f"{label} {name} was removed")
            elif new == "missing":
                reasons.append(f"{label} {name} is missing")
            else:
                reasons.append(f"{label} {name} changed")
        elif kind == "version":
            reasons.append(f"{name} {old or '(none)'} -> {new or '(none)'}")
        elif kind == "stage":
            reasons.append(f"{TITLES.get(name, name)} inputs changed (the model will be retrained)")
    return reasons or ["inputs changed"]
