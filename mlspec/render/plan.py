"""What a project's workflows need to know, computed from the spec: repository-relative paths,
triggers, runner labels, action references. Templates only lay these values out."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlspec import __version__
from mlspec.deploy import ct_state_artifact
from mlspec.errors import SpecError
from mlspec.render.pins import PINS, Pin
from mlspec.spec.models import Spec

# Text GitHub Actions would evaluate as an expression wherever it appears in a workflow.
EXPRESSION_MARKERS = ("${{",)


@dataclass(frozen=True)
class ProjectPlan:
    spec: Spec
    spec_path: str  # repository-relative, posix
    spec_dir: str  # repository-relative folder of the spec, "." at the root
    ci_paths: list[str]
    ct_paths: list[str]
    deploy_files: dict[str, str]  # environment -> repository-relative deploy file
    state_dir: str
    drift_current: str | None
    version: str = __version__
    pins: dict[str, Pin] = field(default_factory=lambda: dict(PINS))

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def runs_on(self) -> list[str]:
        value = self.spec.ci.runs_on
        return [value] if isinstance(value, str) else list(value)

    @property
    def actions_ref(self) -> str:
        return self.spec.ci.actions_ref or f"v{self.version}"

    @property
    def mlspec_package(self) -> str:
        return self.spec.ci.mlspec_package or f"mlspec=={self.version}"

    def action(self, step: str) -> str:
        if self.spec.ci.actions == "local":  # GitHub's self-repository syntax (`$/path`, same as `./path`)
            return f"$/actions/{step}"
        return f"{self.spec.ci.actions_repository}/actions/{step}@{self.actions_ref}"

    @property
    def first_environment(self) -> str:
        return self.spec.environments[0].name

    @property
    def monitor_enabled(self) -> bool:
        drift = self.spec.triggers.drift
        return drift is not None and drift.enabled

    @property
    def ci_filters(self) -> str:
        """The CI path filters as lines `+<regex>` / `-<regex>` (a `!` pattern), for the job that
        decides whether a pull request touches the project; GitHub's order applies: last match wins."""
        return "\n".join(("-" if g.startswith("!") else "+") + glob_to_ere(g.lstrip("!")) for g in self.ci_paths)

    @property
    def state_artifact(self) -> str:
        return ct_state_artifact(self.name)

    def workflow_file(self, kind: str) -> str:
        return f"mlspec-{self.name}-{kind}.yml"

    def template_context(self) -> dict[str, Any]:
        return {"p": self, "spec": self.spec, "pins": self.pins}


_ERE_SPECIAL = set(".^$+(){}|\\")


def glob_to_ere(pattern: str) -> str:
    """A GitHub path-filter glob as an anchored POSIX extended regex (bash `[[ =~ ]]`, Python `re`):
    `**/` is zero or more folders, `**` anything, `*` and `?` stay within one folder, `[...]` a class."""
    out, i = "^", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            out, i = out + pattern[i:end + 1], end + 1
        else:
            out, i = out + ("\\" + pattern[i] if pattern[i] in _ERE_SPECIAL else pattern[i]), i + 1
    return out + "$"


def _where(key: str, spec_path: str) -> str:
    return f"{spec_path}: {key}"


def repo_path(spec_dir: str, relative: str, *, key: str, spec_path: str) -> str:
    """``relative`` (to the spec's folder) as a repository-relative posix path or glob."""
    negated = relative.startswith("!")
    body = relative[1:] if negated else relative
    joined = posixpath.normpath(posixpath.join(spec_dir, body)) if spec_dir != "." else posixpath.normpath(body)
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise SpecError(
            f"{_where(key, spec_path)}: {relative!r} points outside the repository root",
            hint="paths are relative to the spec's folder and must stay inside the repository",
        )
    if body.endswith("/") and not joined.endswith("/"):
        joined += "/"
    return ("!" if negated else "") + joined


def _folder_glob(spec_dir: str, file: str, *, key: str, spec_path: str) -> str:
    """`<folder>/**` for a file in a sub-folder of the spec, the file itself at the spec's top."""
    parent = posixpath.dirname(file.rstrip("/"))
    if parent in ("", "."):
        return repo_path(spec_dir, file, key=key, spec_path=spec_path)
    return repo_path(spec_dir, f"{parent}/**", key=key, spec_path=spec_path)


def _code_default(spec: Spec, spec_dir: str, spec_path: str) -> list[str]:
    entrypoint = spec.train.entrypoint
    if entrypoint is None:  # a shell command: the project's folder is its code
        return [repo_path(spec_dir, "**", key="train.command", spec_path=spec_path)]
    target = entrypoint.rsplit(":", 1)[0]
    if not target.endswith(".py"):  # package.module: the top-level package folder
        target = target.split(".")[0] + "/__init__.py"
    return [_folder_glob(spec_dir, target, key="train.entrypoint", spec_path=spec_path)]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def check_renderable(spec: Spec, spec_path: str) -> None:
    """Reject free-text values GitHub would evaluate as `${{ }}` expressions in the workflow."""
    free_text = {"ci.install": spec.ci.install}
    if spec.triggers.drift is not None:
        free_text["triggers.drift.command"] = spec.triggers.drift.command
    for key, value in free_text.items():
        if value is not None and any(marker in value for marker in EXPRESSION_MARKERS):
            raise SpecError(
                f"{spec_path}: {key}: contains '${{{{', which GitHub Actions would evaluate as an expression "
                "inside the generated workflow",
                hint="remove the '${{ ... }}' text; pass values to the command through environment variables",
            )


def plan_project(spec: Spec, spec_file: Path, root: Path) -> ProjectPlan:
    try:
        rel = spec_file.resolve().relative_to(root.resolve())
    except ValueError:
        raise SpecError(
            f"{spec_file}: the spec is not inside the repository root {root}",
            hint="run mlspec render from the repository, or pass --root",
        ) from None
    spec_path = PurePosixPath(rel).as_posix()
    if "${{" in spec_path or any(ord(ch) < 0x20 or ord(ch) in (0x7F, 0x85, 0x2028, 0x2029) for ch in spec_path):
        raise SpecError(
            f"{spec_path!r}: the spec's path contains control characters or '${{{{', which cannot be "
            "written into a workflow safely",
            hint="rename the folder",
        )
    spec_dir = PurePosixPath(rel).parent.as_posix()
    check_renderable(spec, spec_path)

    paths = spec.triggers.paths
    data_files = [f for f in (spec.data.train, spec.data.test, spec.data.source) if f]
    if paths.data is not None:
        data = [repo_path(spec_dir, g, key=f"triggers.paths.data[{i}]", spec_path=spec_path) for i, g in enumerate(paths.data)]
    else:
        data = [_folder_glob(spec_dir, f, key="data", spec_path=spec_path) for f in data_files]
    if paths.config is not None:
        config = [repo_path(spec_dir, g, key=f"triggers.paths.config[{i}]", spec_path=spec_path) for i, g in enumerate(paths.config)]
    else:
        config = [spec_path]
    if paths.code is not None:
        code = [repo_path(spec_dir, g, key=f"triggers.paths.code[{i}]", spec_path=spec_path) for i, g in enumerate(paths.code)]
    else:
        code = _code_default(spec, spec_dir, spec_path)
    ct_paths = _unique(data + config + code)
    workflows = PurePosixPath(".github/workflows")
    ci_paths = _unique(ct_paths + [str(workflows / f"mlspec-{spec.name}-ci.yml")])
    deploy = {
        env.name: repo_path(spec_dir, f"deploy/{env.name}.yaml", key="environments", spec_path=spec_path)
        for env in spec.environments
    }
    drift = spec.triggers.drift
    current = None
    if drift is not None and drift.current:
        current = repo_path(spec_dir, drift.current, key="triggers.drift.current", spec_path=spec_path)
    return ProjectPlan(
        spec=spec,
        spec_path=spec_path,
        spec_dir=spec_dir,
        ci_paths=ci_paths,
        ct_paths=ct_paths,
        deploy_files=deploy,
        state_dir=repo_path(spec_dir, ".mlspec", key="(state)", spec_path=spec_path),
        drift_current=current,
    )
