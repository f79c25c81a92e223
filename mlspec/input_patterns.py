"""The project's inputs, defined once: the path patterns (relative to the spec's folder) whose changes
start continuous training. Render writes them into the CT `paths:` and the CI changes job; the local
stage cache hashes the files they match. Data, config and code, then the files that never start CT
(promotion files and mlspec's own state), whatever the user's patterns say."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from typing import Any

from mlspec.errors import SpecError
from mlspec.hosts.all_hosts import current as code_host
from mlspec.state.layout import STATE_DIR

SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".r", ".jl", ".rb", ".pl", ".js", ".ts", ".ipynb")
CODE_UNKNOWN = (
    "train.command names no script mlspec can watch (such as `python src/train.py`), so CT would not know "
    "which files are the training code"
)
CODE_UNKNOWN_HINT = "list the training code under triggers.paths.code, e.g. `code: [src/**]`"


@dataclass(frozen=True)
class InputPatterns:
    """Patterns relative to the spec's folder, in GitHub's order (the last match wins)."""

    data: list[str]
    config: list[str]
    code: list[str]
    never: list[str]  # `!` patterns appended last: these files never start CT

    def ordered(self) -> list[str]:
        return self.data + self.config + self.code + self.never


def folder_pattern(file: str) -> str:
    """`<folder>/**` for a file in a sub-folder of the spec's folder, the file itself at its top."""
    parent = posixpath.dirname(file.rstrip("/"))
    if parent in ("", "."):
        return code_host().literal(file)
    return code_host().literal(parent) + "/**"


def _script_token(token: str) -> str | None:
    if token.startswith(("-", "/", "~", "$")) or "$" in token or "`" in token:
        return None
    if "=" in token.split("/")[0]:  # VAR=value
        return None
    if not token.lower().endswith(SCRIPT_SUFFIXES):
        return None
    path = posixpath.normpath(token)
    return None if path.startswith("..") else path


def command_scripts(command: str) -> list[str]:
    """The code a shell command runs, relative to the spec's folder: script files it names
    (`python src/train.py --x` -> src/train.py) and `-m package.module` (-> package/__init__.py)."""
    try:
        tokens = shlex.split(command, comments=False)
    except ValueError:
        tokens = command.split()
    found: list[str] = []
    for i, token in enumerate(tokens):
        if token == "-m" and i + 1 < len(tokens) and tokens[i + 1].replace(".", "").replace("_", "").isalnum():
            found.append(tokens[i + 1].split(".")[0] + "/__init__.py")
            continue
        script = _script_token(token)
        if script is not None:
            found.append(script)
    return list(dict.fromkeys(found))


def entrypoint_file(entrypoint: str) -> str:
    """`src/train.py:train` -> src/train.py; `pkg.module:fn` -> pkg/__init__.py (its top-level package)."""
    target = entrypoint.rsplit(":", 1)[0]
    if target.endswith(".py"):
        return target
    return target.split(".")[0] + "/__init__.py"


def code_patterns(spec: Any) -> list[str]:
    """triggers.paths.code, or the folder of the entrypoint / of the scripts the command runs."""
    if spec.triggers.paths.code is not None:
        return list(spec.triggers.paths.code)
    if spec.train.entrypoint:
        return [folder_pattern(entrypoint_file(spec.train.entrypoint))]
    scripts = command_scripts(spec.train.command or "")
    if not scripts:
        raise SpecError(CODE_UNKNOWN, hint=CODE_UNKNOWN_HINT)
    return list(dict.fromkeys(folder_pattern(s) for s in scripts))


def data_patterns(spec: Any) -> list[str]:
    """triggers.paths.data, or the folders of the data files; with data.dvc also each file's `.dvc` file and
    `dvc.lock` (a new hash in them is a data change). URLs are no paths: their versions are checked by runs."""
    files = [f for f in (spec.data.train, spec.data.test, spec.data.source) if f and "://" not in f]
    if spec.triggers.paths.data is not None:
        patterns = list(spec.triggers.paths.data)
    else:
        patterns = [folder_pattern(f) for f in files]
    if spec.data.dvc is not None:
        patterns += [code_host().literal(f + ".dvc") for f in files] + ["dvc.lock"]
    return list(dict.fromkeys(patterns))


def never_patterns(spec: Any) -> list[str]:
    """Promotion files and mlspec's state: a merged promotion must not retrain (a loop)."""
    deploy = [f"!{code_host().literal(deploy_file(env.name))}" for env in spec.environments]
    return deploy + [f"!{STATE_DIR}/**"]


def deploy_file(environment: str) -> str:
    return f"deploy/{environment}.yaml"


def input_patterns(spec: Any, spec_file: str) -> InputPatterns:
    """The project's inputs; ``spec_file`` is the spec's file name (relative to its folder)."""
    config = (
        list(spec.triggers.paths.config) if spec.triggers.paths.config is not None else [code_host().literal(spec_file)]
    )
    return InputPatterns(data_patterns(spec), config, code_patterns(spec), never_patterns(spec))


def repo_path(spec_dir: str, relative: str, *, key: str, spec_path: str) -> str:
    """``relative`` (to the spec's folder, `!` kept) as a path or pattern relative to the folder that
    ``spec_dir`` is relative to (the repository root); a trailing `/` means everything below."""
    negated = relative.startswith("!")
    body = relative[1:] if negated else relative
    if body.endswith("/"):
        body += "**"
    joined = posixpath.normpath(posixpath.join(spec_dir, body)) if spec_dir != "." else posixpath.normpath(body)
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise SpecError(
            f"{spec_path}: {key}: {relative!r} points outside the repository root",
            hint="paths are relative to the spec's folder and must stay inside the repository",
        )
    return ("!" if negated else "") + joined


def levels_up(patterns: list[str]) -> int:
    """How many folders above the spec's folder the patterns reach (`../shared/**` -> 1)."""
    deepest = 0
    for pattern in patterns:
        parts = posixpath.normpath(pattern.lstrip("!")).split("/")
        deepest = max(deepest, parts.count(".."))
    return deepest
