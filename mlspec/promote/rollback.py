"""`mlspec rollback --env ENV [--to MODEL_VERSION] [--dry-run]`: a pull request that restores the
previous (or a named) champion of ENV from the git history of `deploy/<env>.yaml` on the base branch.

The restored file is the old one (model, artifact, metrics, lineage, servability), with `promoted`
saying it is a rollback, from what, and which commit it restores. Through the promotion machinery:
branch `mlspec/rollback/<project>/<env>`, a pull request with a token, a local branch + PR files without.
A rollback does not check `requires` (the point is to go back fast); merging it is the deployment.

The model card follows the deploy file: `deploy/<env>.card.md` is restored from the same commit as the deploy file
(the card of the model rolled back to), or, when that commit has none of that model's (promoted before cards were
written), rebuilt from the restored deploy file, saying so. Title, commit messages and body say "Roll back" and
list what changes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlspec.deploy.promotion import overlay_changes
from mlspec.errors import MlspecError
from mlspec.markdown import code, table, text
from mlspec.promote import localgit
from mlspec.promote.release import ReleaseContext, context, lineage_lines, metrics_table, read_deployment_on_base
from mlspec.promote.target import PromotionPlan
from mlspec.report.card import card_from_deployment, card_path, card_title
from mlspec.state.deploy import GH_ARTIFACT_PREFIX, Deployment, parse_deployment
from mlspec.state.record import utc_now

if TYPE_CHECKING:
    from mlspec.project import ProjectLike


@dataclass
class Version:
    commit: str
    date: str
    deployment: Deployment


def history(ctx: ReleaseContext, env: str) -> list[Version]:
    """Every version of ENV's deploy file on the base branch's history, newest first (unreadable ones left out)."""
    path, ref = ctx.deploy_file(env), ctx.history_ref()
    # --first-parent: the file as the base branch had it after each of its commits (each merge), never a commit of a
    # merged branch (a candidate the promotion branch proposed and superseded never served)
    done = localgit.run_git("log", "--first-parent", "--format=%H %cI", ref, "--", path, cwd=ctx.top, check=False)
    versions = []
    for line in done.stdout.splitlines():
        commit, _, date = line.partition(" ")
        content = localgit.show(commit, path, ctx.top)
        if content is None:
            continue  # the commit deleted the file
        try:
            deployment = parse_deployment(content, f"{path} at {commit[:12]}")
        except MlspecError:
            continue
        if deployment.project == ctx.loaded.spec.name and deployment.environment == env:
            versions.append(Version(commit, date, deployment))
    return versions


def choose(versions: list[Version], current: Deployment, to: str | None, where: str) -> Version:
    """The version to restore: the one named by ``to`` (version or tag), else the newest whose model differs
    from the current one and was not itself rolled back from later."""
    if to is not None:
        for version in versions:
            if to in (version.deployment.model.version, version.deployment.model.tag):
                if version.deployment.model.tag == current.model.tag:
                    raise MlspecError(f"{where} already names {current.model.tag}: nothing to roll back")
                return version
        known = ", ".join(dict.fromkeys(v.deployment.model.version for v in versions)) or "none"
        raise MlspecError(
            f"{where} never named model version {to!r} in its history (versions, newest first: {known})",
            hint="pick one of those versions, or leave --to out to restore the previous champion",
        )
    rolled_back: set[str] = set()
    for version in versions:
        rollback = version.deployment.promoted.get("rollback")
        if isinstance(rollback, dict) and isinstance(rollback.get("from"), str):
            rolled_back.add(rollback["from"])
        tag = version.deployment.model.tag
        if tag != current.model.tag and tag not in rolled_back:
            return version
    raise MlspecError(
        f"{where}: its history names no model before {current.model.tag}, so there is no previous champion to restore",
        hint="promote another model instead (`mlspec promote`)",
    )


def _changes(current: Deployment, restored: Deployment) -> list[str]:
    """What changes back, field by field, as table rows."""
    rows = [
        ("model", current.model.tag, restored.model.tag),
        ("run", current.lineage.get("run_id"), restored.lineage.get("run_id")),
        ("commit", str(current.lineage.get("commit") or "")[:12], str(restored.lineage.get("commit") or "")[:12]),
        ("promoted at", current.promoted.get("at"), restored.promoted.get("at")),
    ]
    params_now, params_then = current.lineage.get("params") or {}, restored.lineage.get("params") or {}
    if isinstance(params_now, dict) and isinstance(params_then, dict):
        for name in sorted(set(params_now) | set(params_then)):
            if params_now.get(name) != params_then.get(name):
                rows.append((f"params.{name}", params_now.get(name), params_then.get(name)))
    data_now, data_then = current.lineage.get("data") or {}, restored.lineage.get("data") or {}
    if isinstance(data_now, dict) and isinstance(data_then, dict):
        for role in sorted(set(data_now) | set(data_then)):
            if data_now.get(role) != data_then.get(role):
                rows.append((f"data {role}", str(data_now.get(role) or "")[:12], str(data_then.get(role) or "")[:12]))
    return table("rollback_changes", rows=rows)


def rollback_report(current: Deployment, version: Version, where: str) -> str:
    restored = version.deployment
    lines = [
        "### Rollback: what changes back",
        "",
        f"Restores {where} as of commit {code(version.commit[:12])} ({text(version.date, 40)}): model "
        f"{code(restored.model.tag)} replaces {code(current.model.tag)}. Nothing is retrained.",
        "",
    ]
    lines += _changes(current, restored)
    lines += ["", "### Metrics (test set of each model's run)", ""]
    lines += metrics_table(current, restored, "now", "after the rollback")
    lines += ["", "### The restored model", ""]
    lines += lineage_lines(restored)
    artifact = restored.model.artifact or ""
    if restored.model.store and restored.model.digest:
        lines.append(
            f"- CD fetches the model from the model store {code(restored.model.store)} by "
            f"{code(restored.model.digest)} (verified; the store keeps it whatever its age)"
        )
    elif artifact.startswith(GH_ARTIFACT_PREFIX):
        run = artifact[len(GH_ARTIFACT_PREFIX) :].split("/", 1)[0]
        lines.append(
            f"- CD downloads the model from the artifact of CT run {code(run)}: it must not have expired "
            "(GitHub keeps artifacts 30 days unless the retention is changed)"
        )
    lines.append("")
    return "\n".join(lines)


def rollback_command(
    spec: ProjectLike, env: str, to: str | None = None, dry_run: bool = False, environ: dict[str, str] | None = None
) -> int:
    if to is not None and not to.strip():
        to = None  # the workflow_dispatch input left empty
    ctx = context(spec, env, environ)
    current, where = read_deployment_on_base(ctx, env)
    if current is None:
        raise MlspecError(
            f"{where} does not exist: no model serves in {env}, so there is nothing to roll back",
            hint=f"promote a model first (`mlspec promote --env {env}`)",
        )
    version = choose(history(ctx, env), current, to.strip() if to else None, where)
    restored = version.deployment
    if restored.model.store and restored.model.digest:  # fail before the PR: the store must still hold the model
        from mlspec.store.models import check_deployed_store, require

        check_deployed_store(ctx.loaded.spec, restored.model.store, f"{where} at {version.commit[:12]}")
        require(restored.model.store, restored.model.digest, ctx.loaded.root, f"{where} at {version.commit[:12]}")
    promoted: dict[str, Any] = {
        "by": ctx.who(),
        "at": utc_now(),
        "trigger": ctx.trigger(),
        "rollback": {
            "from": current.model.tag,
            "restores_commit": version.commit,
            "first_promoted_at": restored.promoted.get("at"),
        },
    }
    deployment = restored.model_copy(update={"environment": env, "promoted": promoted}, deep=True)
    spec_obj = ctx.loaded.spec
    environment = spec_obj.environment(env)
    tag = restored.model.tag
    deploy_file = ctx.deploy_file(env)
    plan = PromotionPlan(
        project=spec_obj.name,
        env=env,
        branch=f"mlspec/rollback/{spec_obj.name}/{env}",
        base=ctx.base,
        deploy_file=deploy_file,
        deployment=deployment,
        title=f"Roll back {spec_obj.name} in {env} to {tag}"[:250],
        labels=list(environment.labels),
        reviewers=list(environment.reviewers),
        required_env=None,
        report=rollback_report(current, version, where),
        run_url=ctx.settings.run_url,
        folder="rollbacks",
        verb="roll back",
    )
    plan.card = restored_card(ctx, version, env, deploy_file)
    plan.manifests = overlay_changes(ctx.loaded, env, deployment, deploy_file)  # the restored image digest
    return ctx.submit(plan, dry_run=dry_run)


def restored_card(ctx: ReleaseContext, version: Version, env: str, deploy_file: str) -> str:
    """The model card that follows the restored deploy file: the card committed beside it at the commit the
    deploy file is restored from (the card of the model rolled back to), when it is that model's; else (promoted
    before cards were written) a card rebuilt from the deploy file, saying so. Never the card of the model
    rolled back from."""
    restored = version.deployment
    card = localgit.show(version.commit, card_path(deploy_file), ctx.top)
    if card is not None and card.splitlines()[:1] == [card_title(restored.model.tag)]:
        return card
    return card_from_deployment(
        restored.model_copy(update={"environment": env}),
        "Rebuilt from the deploy file by `mlspec rollback`: the card written when this model was promoted is not "
        f"beside {code(deploy_file)} at commit {code(version.commit[:12])}.",
    )
