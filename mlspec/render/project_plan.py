"""What a project's workflows need to know, computed from the spec: repository-relative paths,
triggers, runner labels, action references. Templates only lay these values out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from mlspec import __version__
from mlspec.errors import SpecError
from mlspec.hosts.all_hosts import current as code_host
from mlspec.input_patterns import deploy_file, input_patterns, repo_path
from mlspec.render.pins import PINS, Pin
from mlspec.source_commit import is_commit, source_commit
from mlspec.spec.models import Spec
from mlspec.stages import BY_NAME as STAGES_BY_NAME
from mlspec.state.deploy import ct_state_artifact
from mlspec.state.layout import STATE_DIR

if TYPE_CHECKING:
    from mlspec.hosts.base import CodeHost

WORKFLOW_KINDS = ("ci", "ct", "cd", "monitor")
SOAK_CRON = "17 * * * *"  # hourly, off the full hour: CD checks whether a model has soaked long enough
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
    source_commit: str | None = field(default_factory=source_commit)
    pins: dict[str, Pin] = field(default_factory=lambda: dict(PINS))
    host: CodeHost = field(default_factory=code_host, compare=False, repr=False)  # whose workflows these are

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def runs_on(self) -> list[str]:
        value = self.spec.ci.runs_on
        return [value] if isinstance(value, str) else list(value)

    @property
    def actions_ref(self) -> str:
        """`ci.actions_ref`, else the commit this mlspec was built from, else its release tag."""
        return self.spec.ci.actions_ref or self.source_commit or self.release_tag

    @property
    def release_tag(self) -> str:
        return f"v{self.version}"

    @property
    def actions_pinned_by_tag(self) -> bool:
        """True when mlspec's own actions fall back to the tag (no override and no known commit)."""
        return self.spec.ci.actions == "remote" and not self.spec.ci.actions_ref and not self.source_commit

    def action(self, step: str) -> str:
        if self.spec.ci.actions == "local":  # GitHub's self-repository syntax (`$/path`, same as `./path`)
            return f"$/actions/{step}"
        return f"{self.spec.ci.actions_repository}/actions/{step}@{self.actions_ref}"

    def action_comment(self) -> str:
        """The release tag as a trailing comment when the reference is a commit (as for every pin)."""
        if self.spec.ci.actions == "local" or not is_commit(self.actions_ref):
            return ""
        return f" # {self.release_tag}"

    @property
    def first_environment(self) -> str:
        return self.spec.environments[0].name

    @property
    def releases(self) -> list[tuple[str, str]]:
        """(environment, the environment it requires) for every environment CD promotes into from another."""
        return [(e.name, e.requires) for e in self.spec.environments if e.requires]

    @property
    def soak_schedule(self) -> str | None:
        """The cron of CD's hourly soak check, when an environment has `soak_hours`."""
        return SOAK_CRON if any(e.soak_hours for e in self.spec.environments) else None

    @property
    def monitor_enabled(self) -> bool:
        drift = self.spec.triggers.drift
        return drift is not None and drift.enabled

    @property
    def ci_filters(self) -> str:
        """The CI path filters as lines `+<regex>` / `-<regex>` (a `!` pattern), for the job that
        decides whether a pull request touches the project; GitHub's order applies: last match wins."""
        return self.host.filter_lines(self.ci_paths)

    @property
    def state_artifact(self) -> str:
        return ct_state_artifact(self.name)

    @property
    def pushes_image(self) -> bool:
        """CT builds and pushes the image by digest before the promotion (serve.container: push + registry)."""
        container = self.spec.serve.container
        return bool(container.push and container.registry)

    @property
    def image_artifact(self) -> str:
        """The artifact CT's image job hands the pushed image's digest to the promote job in (images.json)."""
        return f"mlspec-{self.name}-ct-image"

    @property
    def ghcr_token_login(self) -> bool:
        """The push logs in to ghcr.io with the job's GITHUB_TOKEN (no credentials in the spec)."""
        container = self.spec.serve.container
        return self.pushes_image and container.credentials is None and container.registry == "ghcr.io"

    def workflow_file(self, kind: str) -> str:
        return f"mlspec-{self.name}-{kind}.yml"

    def template_context(self) -> dict[str, Any]:
        return {"p": self, "spec": self.spec, "pins": self.pins, "stages": STAGES_BY_NAME}


def workflow_exclusions(name: str, own_kind: str, workflow_dir: str) -> list[str]:
    """The project's rendered workflows of other kinds: regenerating them never starts ``own_kind``."""
    return [f"!{workflow_dir}/mlspec-{name}-{kind}.yml" for kind in WORKFLOW_KINDS if kind != own_kind]


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


def _filters(spec: Spec, spec_dir: str, spec_path: str, host: CodeHost) -> tuple[list[str], list[str]]:
    """(CT paths, CI paths): the project's inputs (one definition, `mlspec.input_patterns`) as repository-relative
    patterns; promotion files, state and the other rendered workflows excluded last."""
    try:
        patterns = input_patterns(spec, PurePosixPath(spec_path).name)
    except SpecError as exc:
        raise SpecError(f"{spec_path}: {exc.message}", hint=exc.hint) from None
    keys = [("data", patterns.data), ("config", patterns.config), ("code", patterns.code)]
    inputs: list[str] = []
    for section, items in keys:
        given = getattr(spec.triggers.paths, section) is not None
        for i, glob in enumerate(items):
            key = f"triggers.paths.{section}[{i}]" if given else section
            inputs.append(repo_path(spec_dir, glob, key=key, spec_path=spec_path))
    never = [repo_path(spec_dir, g, key="(state)", spec_path=spec_path) for g in patterns.never]
    ci_workflow = host.literal(f"{host.workflow_dir}/mlspec-{spec.name}-ci.yml")
    ct_paths = _unique(inputs) + never + workflow_exclusions(spec.name, "ct", host.workflow_dir)
    ci_paths = _unique(inputs + [ci_workflow]) + never + workflow_exclusions(spec.name, "ci", host.workflow_dir)
    return ct_paths, ci_paths


def plan_project(spec: Spec, spec_file: Path, root: Path, *, resolved: bool = False) -> ProjectPlan:
    """The plan of the spec at ``spec_file`` in the repository at ``root``; ``resolved``: both paths are
    already resolved (symlinks followed), so they are not resolved again."""
    try:
        rel = spec_file.relative_to(root) if resolved else spec_file.resolve().relative_to(root.resolve())
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

    host = code_host()
    ct_paths, ci_paths = _filters(spec, spec_dir, spec_path, host)
    deploy = {
        env.name: repo_path(spec_dir, deploy_file(env.name), key="environments", spec_path=spec_path)
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
        state_dir=repo_path(spec_dir, STATE_DIR, key="(state)", spec_path=spec_path),
        drift_current=current,
        host=host,
    )
