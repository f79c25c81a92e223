"""Write the generated build context and build the Bento with the `bentoml build` CLI.

The build runs in a subprocess (the service module is imported there, not in mlspec), with
`lock_packages` from the spec (default false: no index is contacted), and BENTOML_HOME checked to
be outside the build context (BentoML would otherwise copy its own store into the Bento).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import ServeError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.serve.codegen import LOADER_CLOUDPICKLE, ModelInfo, ServiceFiles
from mlspec.state.layout import StateLayout
from mlspec.state.model_store import bentoml_home

BASE_PACKAGES = ("numpy", "pandas", "scikit-learn")
BUILD_RECORD = "build.json"


@dataclass(frozen=True)
class BuildResult:
    bento_tag: str
    folder: Path
    reused: bool


def service_dir(spec_root: Path, service: str) -> Path:
    return StateLayout(spec_root).service_dir(service)


def _pinned(distribution: str) -> str | None:
    try:
        return f"{distribution}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return None


_SUBIMPORT = ("cloudpickle.cloudpickle", "subimport")  # how cloudpickle names a module a function's globals use
_NOT_SHIPPED = {"bentoml", "mlspec", "mlspec-gitops"}


def pickled_modules(data: bytes) -> set[str]:
    """The modules a pickle needs to load: those of the classes and functions it names by reference
    (GLOBAL / STACK_GLOBAL) and the modules that code stored by value imports (cloudpickle's
    `subimport(name)`), read from the opcodes without loading anything."""
    import pickletools

    memo: dict[int, Any] = {}
    pushed: list[Any] = []  # what each op left on top (strings, ("global", module, name)), else None
    found: set[str] = set()
    for op, arg, _pos in pickletools.genops(data):
        name = op.name
        if name in ("MEMOIZE", "BINPUT", "LONG_BINPUT", "PUT"):
            memo[len(memo) if name == "MEMOIZE" else int(str(arg))] = pushed[-1] if pushed else None
            continue
        if name in ("PROTO", "FRAME", "STOP"):
            continue
        value: Any
        if name in ("BINGET", "LONG_BINGET", "GET"):
            value = memo.get(int(str(arg)))
        elif name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            value = str(arg)
        elif name == "GLOBAL":
            module, _, qualname = str(arg).partition(" ")
            value = ("global", module, qualname)
            found.add(module)
        elif name == "STACK_GLOBAL":
            stacked: tuple[Any, Any] = (pushed[-2], pushed[-1]) if len(pushed) >= 2 else (None, None)
            value = ("global", *stacked) if isinstance(stacked[0], str) else None
            if isinstance(stacked[0], str):
                found.add(stacked[0])
        else:
            value = None
        if isinstance(value, str) and pushed and pushed[-1] == ("global", *_SUBIMPORT):
            found.add(value)
        pushed.append(value)
    return found


def packages_for(info: ModelInfo, model_object: Any | None = None) -> list[str]:
    """The minimal package list, pinned to the versions that trained the model: numpy, pandas,
    scikit-learn, cloudpickle when it loads the model, and the distributions of the modules the model
    needs to load and predict: its classes' and those the project code stored in it by value imports
    (`pickled_modules`)."""
    names = list(BASE_PACKAGES)
    if info.loader == LOADER_CLOUDPICKLE:
        names.append("cloudpickle")
    if model_object is not None:
        import cloudpickle

        tops = {type(model_object).__module__.split(".", 1)[0]}
        tops |= {module.split(".", 1)[0] for module in pickled_modules(cloudpickle.dumps(model_object))}
        distributions = importlib.metadata.packages_distributions()
        for top in sorted(tops):
            for dist in distributions.get(top, []):
                if dist.lower() not in {n.lower() for n in names} and dist.lower() not in _NOT_SHIPPED:
                    names.append(dist)
    pinned = [_pinned(n) for n in names]
    return sorted({p for p in pinned if p}, key=str.lower)


def write_context(folder: Path, service: ServiceFiles) -> None:
    for name, text in service.files.items():
        path = folder / name
        if not path.is_file() or path.read_text("utf-8") != text:
            atomic_write_text(path, text)


def check_home_outside(folder: Path) -> None:
    home = Path(bentoml_home()).resolve()
    context = folder.resolve()
    if home == context or context in home.parents:
        raise ServeError(
            f"BENTOML_HOME ({home}) is inside the build context {context}",
            hint="set BENTOML_HOME to a folder outside the project (default: ~/bentoml)",
        )


def bento_exists(tag: str) -> bool:
    name, _, version = tag.partition(":")
    return (Path(bentoml_home()) / "bentos" / name / version / "bento.yaml").is_file()


def build_bento(folder: Path, service: ServiceFiles, version: str) -> BuildResult:
    """Build `<bento name>:<version>` from ``folder``; the same inputs give the same tag, and an
    existing Bento with that tag is reused (its service code and model are the same)."""
    check_home_outside(folder)
    tag = f"{service.bento_name}:{version}"
    if bento_exists(tag):
        return BuildResult(tag, folder, reused=True)
    argv = [
        sys.executable,
        "-m",
        "bentoml",
        "build",
        "--bentofile",
        "bentofile.yaml",
        "--version",
        version,
        "--output",
        "tag",
        ".",
    ]
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": os.environ.get("BENTOML_DO_NOT_TRACK", "true")}
    result = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise ServeError(
            f"`bentoml build` failed for {display_path(folder / 'service.py')} (exit {result.returncode}):\n{tail}",
            hint="run it yourself in that folder with `bentoml build` to see everything",
        )
    built = next(
        (line.split("__tag__:", 1)[1].strip() for line in result.stdout.splitlines() if line.startswith("__tag__:")),
        tag,
    )
    return BuildResult(built, folder, reused=False)


def write_build_record(folder: Path, bento_tag: str, model_tag: str, project: str) -> None:
    atomic_write_text(
        folder / BUILD_RECORD, json.dumps({"bento": bento_tag, "model": model_tag, "project": project}, indent=2) + "\n"
    )


def last_built(folder: Path) -> str | None:
    try:
        tag = json.loads((folder / BUILD_RECORD).read_text("utf-8")).get("bento")
    except (OSError, ValueError):
        return None
    return tag if isinstance(tag, str) and bento_exists(tag) else None
