"""`mlspec promote --env ENV --from-env REQUIRED [--soak]`: the next environment's promotion for the
model that already serves in the environment ENV requires, read from `deploy/<REQUIRED>.yaml` on the
base branch. Never retrains: model, artifact, metrics, lineage and servability figures are copied.

CD runs it after the build of REQUIRED succeeded, hourly when `soak_hours` is set (with `--soak`: only
once the model has served that long), and by hand from the Actions tab (workflow_dispatch, no soak).
The pull request goes through the same machinery as every promotion (mlspec.promote.commands).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.deploy.promotion import overlay_changes
from mlspec.errors import EXIT_OK, MlspecError, UsageError
from mlspec.markdown import code, table, text
from mlspec.ownership import check_deployment
from mlspec.project import Project
from mlspec.promote import localgit
from mlspec.promote.body import pr_title
from mlspec.promote.target import GitHubTarget, LocalTarget, PromotionPlan, Target, submit, who
from mlspec.state.deploy import DEPLOY_DIR, Deployment, parse_deployment
from mlspec.state.record import utc_now

if TYPE_CHECKING:
    from mlspec.hosts.base import HostSettings
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


@dataclass
class ReleaseContext:
    """What every deploy-file-to-deploy-file promotion (release, rollback) needs."""

    loaded: LoadedSpec
    settings: HostSettings
    top: Path
    base: str
    project_dir: str
    target: Target  # where its pull request goes: GitHub's API with a token, else the local repository

    def deploy_file(self, env: str) -> str:
        return f"{DEPLOY_DIR}/{env}.yaml" if self.project_dir == "." else f"{self.project_dir}/{DEPLOY_DIR}/{env}.yaml"

    def read_base(self, path: str) -> str | None:
        """A file on the base branch: through the API with a token, else from the local repository."""
        return self.target.read_base(path)

    def history_ref(self) -> str:
        """The local ref whose history stands for the base branch (the checkout in a workflow)."""
        for ref in (f"refs/heads/{self.base}", f"refs/remotes/origin/{self.base}", "HEAD"):
            if localgit.rev(ref, self.top):
                return ref
        raise MlspecError(
            f"{self.top} has no branch {self.base} and no commit checked out",
            hint="run from a clone of the repository with its history (in a workflow: "
            "actions/checkout with fetch-depth: 0)",
        )

    def trigger(self) -> dict[str, Any]:
        trigger: dict[str, Any] = {
            "event": self.settings.event_name or "local",
            "commit": self.settings.sha or localgit.rev("HEAD", self.top),
        }
        if self.settings.run_url:
            trigger["run_url"] = self.settings.run_url
        return trigger

    def who(self) -> str:
        return who(self.settings, self.top)

    def submit(self, plan: PromotionPlan, *, dry_run: bool) -> int:
        return submit(plan, self.target, dry_run=dry_run)


def context(spec: ProjectLike, env: str, environ: dict[str, str] | None = None) -> ReleaseContext:
    from mlspec.hosts.all_hosts import current as code_host

    project = Project.of(spec)
    loaded = project.load(check_files=False)
    project.environment(env)
    env_vars = environ if environ is not None else os.environ
    host = code_host(env_vars)
    settings = host.settings(env_vars, promotion=True)
    top = localgit.toplevel(loaded.root)
    base = loaded.spec.triggers.branches[0]
    target: Target = (
        GitHubTarget(host.connect(settings), base) if settings.has_token else LocalTarget(top, loaded.root, base)
    )
    return ReleaseContext(loaded, settings, top, base, localgit.repo_relative(loaded.root, top), target)


def read_deployment_on_base(ctx: ReleaseContext, env: str) -> tuple[Deployment | None, str]:
    path = ctx.deploy_file(env)
    where = f"{path} on {ctx.base}"
    content = ctx.read_base(path)
    if content is None:
        return None, where
    deployment = parse_deployment(content, where)
    check_deployment(deployment, ctx.loaded.spec.name, env, where)
    return deployment, where


def served_hours(ctx: ReleaseContext, path: str) -> float:
    """Hours since the last commit on the base branch that changed ``path`` (the merge that deployed it)."""
    ref = ctx.history_ref()
    # --first-parent: the base branch's own commits, so a merged pull request counts from its merge; plain `git log`
    # follows the merged branch and would name the promotion commit, made when the pull request was opened
    done = localgit.run_git("log", "-1", "--first-parent", "--format=%ct", ref, "--", path, cwd=ctx.top, check=False)
    stamp = done.stdout.strip()
    if done.returncode != 0 or not stamp.isdigit():
        raise MlspecError(
            f"cannot tell since when {path} names its model: no commit of {ref} in {ctx.top} changed it",
            hint="the soak time is measured from git history: in a workflow, check out with "
            "`fetch-depth: 0`; or promote by hand without --soak",
        )
    return max(0.0, (time.time() - int(stamp)) / 3600.0)


def _number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "n/a"


def metrics_table(now: Deployment | None, then: Deployment, now_label: str, then_label: str) -> list[str]:
    rows = []
    for name in sorted(set(then.metrics) | set(now.metrics if now else {})):
        old = now.metrics.get(name) if now else None
        new = then.metrics.get(name)
        change = f"{new - old:+.4f}" if isinstance(old, (int, float)) and isinstance(new, (int, float)) else "—"
        rows.append({"name": name, "old": _number(old), "new": _number(new), "change": change})
    return table("release_metrics", rows=rows, now_label=now_label, then_label=then_label)


def serving_line(deployment: Deployment) -> str:
    serving = deployment.serving
    if not serving:
        return "- Servability: not checked for this model (`mlspec test serving` did not run in its CT run)"
    verdict = "✅ passed" if serving.get("verdict") == "pass" else "❌ failed"
    return f"- Servability: {verdict}: {text(serving.get('reason', ''), 500)}"


def lineage_lines(deployment: Deployment) -> list[str]:
    lineage = deployment.lineage
    return [
        f"- Model {code(deployment.model.tag)} from run {code(lineage.get('run_id', '?'))}, "
        f"commit {code(str(lineage.get('commit') or '?')[:12])}",
        serving_line(deployment),
    ]


def release_report(
    candidate: Deployment, champion: Deployment | None, from_env: str, soaked: float | None, soak_hours: float | None
) -> str:
    env = candidate.environment
    lines = [
        "### Release",
        "",
        f"The model that serves in {code(from_env)} since its deploy file last changed, "
        "**unchanged and not retrained**: the same model archive, metrics and lineage.",
        "",
    ]
    lines += lineage_lines(candidate)
    if soaked is not None:
        lines.append(
            f"- Served in {code(from_env)} for {soaked:.1f} h"
            + (f" (soak time {soak_hours:g} h)" if soak_hours else "")
        )
    now = f"{env} now" + (f" ({champion.model.version})" if champion else " (nothing)")
    lines += ["", f"### Metrics (test set of the model's run) vs {code(env)}", ""]
    lines += metrics_table(champion, candidate, now, "candidate")
    lines += [
        "",
        "The metrics were measured when the model was trained; the gate of "
        f"{code(from_env)} passed then. Review them here: merging is the deployment to {code(env)}.",
        "",
    ]
    return "\n".join(lines)


def release_command(
    spec: ProjectLike,
    env: str,
    from_env: str,
    soak: bool = False,
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
) -> int:
    ctx = context(spec, env, environ)
    environment = ctx.loaded.spec.environment(env)
    if environment.requires is None:
        raise UsageError(
            f"{ctx.loaded.path}: environments: {env} has no `requires`, so it has no environment to take a model from",
            hint=f"promote a trained run with `mlspec promote --env {env}`, or add `requires:` to {env}",
        )
    if from_env != environment.requires:
        raise UsageError(
            f"--from-env {from_env}: {env} requires {environment.requires}, so its model comes from "
            f"{environment.requires}",
            hint=f"use --from-env {environment.requires}",
        )
    source, where = read_deployment_on_base(ctx, from_env)
    if source is None:
        raise MlspecError(
            f"{where} does not exist: no model serves in {from_env} yet, so there is nothing to promote to {env}",
            hint=f"promote a model to {from_env} first and merge that pull request",
        )
    soaked = None
    if soak and environment.soak_hours:
        soaked = served_hours(ctx, ctx.deploy_file(from_env))
        if soaked < environment.soak_hours:
            print(
                f"{env} waits: {source.model.tag} has served in {from_env} for {soaked:.1f} h of the "
                f"{environment.soak_hours:g} h soak time (environments[].soak_hours); nothing was promoted"
            )
            return EXIT_OK
    champion, _ = read_deployment_on_base(ctx, env)
    promoted: dict[str, Any] = {
        "by": ctx.who(),
        "at": utc_now(),
        "trigger": ctx.trigger(),
        "from_environment": from_env,
    }
    if soaked is not None:
        promoted["soaked_hours"] = round(soaked, 2)
    deployment = source.model_copy(update={"environment": env, "promoted": promoted}, deep=True)
    spec_obj = ctx.loaded.spec
    plan = PromotionPlan(
        project=spec_obj.name,
        env=env,
        branch=f"mlspec/promote/{spec_obj.name}/{env}",
        base=ctx.base,
        deploy_file=ctx.deploy_file(env),
        deployment=deployment,
        title=pr_title(spec_obj.name, env, source.model.tag),
        labels=list(environment.labels),
        reviewers=list(environment.reviewers),
        required_env=from_env,
        report=release_report(deployment, champion, from_env, soaked, environment.soak_hours),
        run_url=ctx.settings.run_url,
    )
    # the same image digest as the environment it comes from: the overlay names it with the deploy file
    plan.manifests = overlay_changes(ctx.loaded, env, deployment, plan.deploy_file)
    return ctx.submit(plan, dry_run=dry_run)
