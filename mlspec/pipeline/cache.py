"""Stage inputs and their digests (the cache keys), and why a stage is stale.

A stage's inputs are named components: `spec:<section>` (the section's JSON), `file:<path>` (a data or
code file's content digest), `version:<package>` and `stage:<upstream>` (the upstream stage's digest).
The stage digest is a hash over all of them. Nothing here imports pandas, deepchecks or bentoml."""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import MlspecError
from mlspec.fsio import display_path
from mlspec.git import listed_files
from mlspec.hosts.all_hosts import current as code_host
from mlspec.input_patterns import input_patterns, levels_up, repo_path
from mlspec.pipeline.fingerprint import StatCache
from mlspec.stages import ALL, ON_DEMAND, PIPELINE
from mlspec.state.layout import STATE_DIR
from mlspec.tables import hash_bytes

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec
    from mlspec.state.record import StageName

# read from the one description of each stage (mlspec/stages.py); STAGES are `mlspec run`'s, the others of every stage
STAGES: tuple[StageName, ...] = tuple(stage.name for stage in PIPELINE)
TITLES: dict[str, str] = {stage.name: stage.title for stage in ALL}
UPSTREAM: dict[str, tuple[StageName, ...]] = {stage.name: stage.upstream for stage in ALL}
LIBRARIES = {stage.name: stage.libraries for stage in ALL}
MACHINE_INPUT = "machine:this"  # the input of a per-machine stage naming the machine (machine_id)
MODEL_INPUT = "model:tag"  # the input of an on-demand stage naming the run's model it checked (pipeline/on_demand.py)
MAX_INPUT_FILES = 20000
# Never inputs, whatever the patterns say: caches, environments, version control, mlspec's state.
_SKIP_DIRS = {
    "__pycache__",
    ".git",
    STATE_DIR,
    ".venv",
    "venv",
    "node_modules",
    ".tox",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}
_SKIP_SUFFIXES = (".pyc", ".pyo")


# The name a record shows -> the distribution that installs it, where they differ (mlspec's PyPI name is taken).
DISTRIBUTIONS = {"mlspec": "mlspec-gitops"}


@cache
def package_version(name: str) -> str:
    """The installed version of ``name`` (a record's library name: `mlspec` is the `mlspec-gitops`
    distribution), or "not installed"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTIONS.get(name, name))
    except PackageNotFoundError:
        return "not installed"


def spec_sections(spec: Any) -> dict[str, Any]:
    """The JSON of every spec section a stage depends on."""
    dumped = spec.model_dump(mode="json", by_alias=True)
    fit_data = {k: v for k, v in dumped["data"].items() if k != "test"} if spec.train.entrypoint else dumped["data"]
    return {
        "data": dumped["data"],
        "data/train": fit_data,
        "train": dumped["train"],
        "evaluate": dumped["evaluate"],
        "tests.data": dumped["tests"]["data"],
        "tests.model": dumped["tests"]["model"],
        "gates.metrics": sorted({g["metric"] for g in dumped["gates"]}),
        # what model tests read of evaluate: the task and the positive class decide what deepchecks is shown (labels
        # renamed for it); the metrics list does not, so changing it reruns evaluate only
        "evaluate.labels": {k: dumped["evaluate"].get(k) for k in ("task", "positive_class")},
    }


def on_demand_sections(spec: Any) -> dict[str, Any]:
    """The JSON of the spec sections only on-demand stages depend on (the servability check's `serve`). They are
    not among the run record's `spec_sections`, so that a record that never ran such a stage is as it was."""
    return {"serve": spec.model_dump(mode="json", by_alias=True)["serve"]}


STAGE_SECTIONS = {stage.name: stage.inputs for stage in ALL}


@cache
def machine_id() -> str:
    """This machine, as a digest of what tells machines apart for a latency (host name, OS, architecture, CPUs);
    the host name itself is not written into records."""
    import platform

    facts = [platform.node(), platform.system(), platform.machine(), str(os.cpu_count())]
    return hash_bytes("|".join(facts).encode())


def _skipped(path: str) -> bool:
    parts = path.split("/")
    return (
        path.endswith(_SKIP_SUFFIXES)
        or any(p in _SKIP_DIRS for p in parts[:-1])
        or (f"{code_host().workflow_dir}/mlspec-" in path)
    )


def _listed_by_git(base: Path) -> list[str] | None:
    """Tracked and untracked, not ignored files under ``base`` (what a commit would carry), or None."""
    return listed_files(base)


def _walked(base: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        folder = Path(dirpath).relative_to(base).as_posix()
        found += [f if folder == "." else f"{folder}/{f}" for f in filenames]
    return found


def _category(path: str, per_category: dict[str, list[str]], matches: Callable[[list[str], str], bool]) -> str:
    for name in ("code", "config"):
        if matches(per_category[name], path):
            return name
    return "data"


def input_files(loaded: LoadedSpec) -> dict[str, tuple[Path, str]]:
    """The files that start CT (`mlspec.input_patterns`, GitHub's matching): display path (relative to the spec's
    folder) -> (path, "code" | "config" | "data"). The spec file and the declared data files are left out:
    they enter the stages as spec sections and as data files with a role."""
    from mlspec.pipeline.data import data_files

    spec, root = loaded.spec, loaded.root.resolve()
    patterns = input_patterns(spec, loaded.path.name)
    base = root
    for _ in range(levels_up(patterns.ordered())):
        base = base.parent
    spec_dir = root.relative_to(base).as_posix()

    def here(items: list[str]) -> list[str]:
        return [repo_path(spec_dir, p, key="triggers.paths", spec_path=loaded.path.name) for p in items]

    ordered = here(patterns.ordered())
    per_category = {"code": here(patterns.code), "config": here(patterns.config)}
    declared = {posixpath.normpath(posixpath.join(spec_dir, ref.relative)) for ref in data_files(loaded)}
    declared.add(posixpath.normpath(posixpath.join(spec_dir, loaded.path.name)))
    listed = _listed_by_git(base)
    matches = code_host().path_matches  # the code host's path-filter semantics: "changed" means what CI means
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted(_walked(base) if listed is None else listed):
        if _skipped(path) or path in declared or not matches(ordered, path):
            continue
        found[posixpath.relpath(path, spec_dir)] = (base / path, _category(path, per_category, matches))
        if len(found) > MAX_INPUT_FILES:
            raise MlspecError(
                f"triggers.paths match more than {MAX_INPUT_FILES:,} files under {display_path(base)}; "
                "mlspec hashes every input of the train stage",
                hint="narrow triggers.paths (data, config, code) to the files training reads",
            )
    return found


@dataclass
class Inputs:
    """Current inputs of every stage (cheap to compute: stat cache + spec)."""

    components: dict[str, dict[str, str]] = field(default_factory=dict)  # stage -> component -> digest
    digests: dict[str, str] = field(default_factory=dict)  # stage -> digest
    sections: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # relative path -> (digest, bytes)
    missing: list[str] = field(default_factory=list)  # data files that do not exist
    on_demand_sections: dict[str, Any] = field(default_factory=dict)  # on_demand_sections: not recorded in a run


INPUT_KINDS = {"code": "code", "config": "config", "data": "file"}  # category -> component kind


def _digest(cache: StatCache, path: Path) -> tuple[str, int]:
    try:
        return cache.digest(path)
    except OSError:
        return "missing", 0


def _train_roles(spec: Any) -> tuple[str, ...]:
    """The data training reads: an entrypoint gets the train table only (the test file is evaluate's);
    a command is also handed the test file ($MLSPEC_TEST), so it is an input of the command."""
    return ("train", "source") if spec.train.entrypoint else ("train", "test", "source")


def compute_inputs(loaded: LoadedSpec, cache: StatCache) -> Inputs:
    from mlspec.pipeline.data import data_files

    spec = loaded.spec
    result = Inputs(sections=spec_sections(spec), on_demand_sections=on_demand_sections(spec))
    sections = {**result.sections, **result.on_demand_sections}
    data_components: dict[str, dict[str, str]] = {}  # role -> component -> digest
    for ref in data_files(loaded):
        # DVC-tracked files and URLs: the hash DVC recorded / the object's version, without reading the file
        digest, size = (ref.fingerprint.digest, ref.fingerprint.size) if ref.fingerprint else _digest(cache, ref.path)
        if digest == "missing":
            result.missing.append(ref.relative)
        result.files[ref.relative] = (digest, size)
        data_components.setdefault(ref.role, {})[f"file:{ref.relative}"] = digest
    project_components = {}
    for rel, (path, category) in input_files(loaded).items():
        digest, size = _digest(cache, path)
        if digest == "missing":  # listed by git but deleted: not an input any more
            continue
        result.files[rel] = (digest, size)
        project_components[f"{INPUT_KINDS[category]}:{rel}"] = digest
    for described in ALL:
        stage = described.name
        components: dict[str, str] = {}
        for section in STAGE_SECTIONS[stage]:
            components[f"spec:{section}"] = hash_bytes(json.dumps(sections[section], sort_keys=True).encode())
        roles = _train_roles(spec) if stage == "train" else tuple(data_components)
        for role in roles:
            components.update(data_components.get(role, {}))
        if stage == "train":
            components.update(project_components)
        components["version:mlspec"] = package_version("mlspec")
        for lib in LIBRARIES[stage]:
            components[f"version:{lib}"] = package_version(lib)
        for up in UPSTREAM[stage]:
            components[f"stage:{up}"] = result.digests[up]
        if described.per_machine:
            components[MACHINE_INPUT] = machine_id()
        result.components[stage] = components
        result.digests[stage] = hash_bytes(json.dumps(components, sort_keys=True).encode())
    return result


def with_model(inputs: Inputs, model: str | None) -> Inputs:
    """``inputs`` (changed in place) with the model the on-demand stages check, the run's (its tag), among their
    inputs: a result is reused only for the model it checked (a retrain with unchanged inputs makes another)."""
    for described in ON_DEMAND:
        components = {**inputs.components[described.name], MODEL_INPUT: model or "(none)"}
        inputs.components[described.name] = components
        inputs.digests[described.name] = hash_bytes(json.dumps(components, sort_keys=True).encode())
    return inputs


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
    prefix = {"gates.metrics": "gates[].metric", "data/train": "data", "evaluate.labels": "evaluate"}.get(
        section, section
    )
    a, b = _flatten(old, prefix), _flatten(new, prefix)
    lines = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, _ABSENT), b.get(key, _ABSENT)
        if va != vb and not (_empty(va) and _empty(vb)):
            lines.append(f"{key}: {_show(va)} -> {_show(vb)}")
    return lines


def _empty(value: Any) -> bool:
    """Unset, null, [] and {} all mean "nothing given": a change between them is no change
    (e.g. `tests.model.checks` [] in one record and absent in an older one)."""
    return value is _ABSENT or value is None or value == [] or value == {}


def stale_reasons(
    stage: str,
    current: Inputs,
    previous_components: dict[str, str],
    previous_sections: dict[str, Any],
    *,
    upstream: bool = True,
) -> list[str]:
    """Why ``stage``'s inputs differ from the previous ones, one line per change (``upstream=False``: without
    the upstream stages' digests, which the planner reports itself)."""
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
        elif kind in ("file", "code", "config"):
            label = {"file": "data file", "code": "code file", "config": "config file"}[kind]
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
        elif kind == "machine":
            reasons.append("it ran on another machine (a latency measured there does not hold here)")
        elif kind == "model":
            reasons.append(f"it checked model {old or '(none)'}, the run's model is now {new or '(none)'}")
        elif kind == "stage" and upstream:
            reasons.append(f"{TITLES.get(name, name)} inputs changed (the model will be retrained)")
    return reasons or ["inputs changed"]
