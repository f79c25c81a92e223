"""`mlspec promote --env ENV [--dry-run]`.

Flow: latest run record -> gate for ENV (mlspec.gate) -> ENV's `requires` satisfied on the base
branch -> deploy/<env>.yaml committed on `mlspec/promote/<project>/<env>` -> pull request (with a
token, through the code host's API: mlspec.hosts) or local branch + PR title/body files (without a token).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.deploy.images import recorded_image
from mlspec.deploy.promotion import overlay_changes
from mlspec.errors import StageFailed, UsageError
from mlspec.gate.decision import load_or_decide
from mlspec.gate.results import GateReport
from mlspec.project import Project
from mlspec.promote import localgit
from mlspec.promote.body import BODY_BUDGET, pr_title, report_markdown
from mlspec.promote.reviewed import apply_reviewed
from mlspec.promote.target import GitHubTarget, LocalTarget, PromotionPlan, Target, submit, who
from mlspec.report.card import model_card
from mlspec.state.deploy import (
    DEPLOY_DIR,
    DeployedModel,
    Deployment,
    model_artifact_ref,
)
from mlspec.state.lock import locked_command  # issue 23 item 8 (project lock)
from mlspec.state.record import RunRecord, RunStore, code_digests, utc_now

if TYPE_CHECKING:
    from mlspec.hosts.base import HostSettings
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


def _deployment(
    loaded: LoadedSpec, record: RunRecord, env: str, required: str | None, settings: HostSettings, top: Path
) -> Deployment:
    assert record.model is not None
    tag = record.model.tag
    version = tag.split(":", 1)[1] if ":" in tag else tag
    artifact = model_artifact_ref(loaded.spec.name, record.run_id, record.model.path, settings.run_id)
    trigger: dict[str, Any] = {"event": settings.event_name or "local", "commit": settings.sha or record.git.commit}
    if settings.run_url:
        trigger["run_url"] = settings.run_url
    if record.trigger:
        trigger["run"] = record.trigger
    promoted: dict[str, Any] = {"by": who(settings, top), "at": utc_now(), "trigger": trigger}
    if required:
        promoted["from_environment"] = required
    return Deployment(
        project=loaded.spec.name,
        environment=env,
        model=DeployedModel(tag=tag, version=version, artifact=artifact, **_in_store(loaded, record, env)),
        image=recorded_image(loaded.root, tag),
        metrics=dict(record.metrics),
        lineage={
            "run_id": record.run_id,
            "commit": record.git.commit,
            "dirty": record.git.dirty,
            "data": {d.role: d.digest for d in record.data},
            "rows": {d.role: d.rows for d in record.data if d.rows is not None},
            "code": code_digests(getattr(record.stage("train"), "inputs", None)),
            "params": record.params,
            "seed": record.seed,
            "spec_digest": record.spec_digest,
        },
        promoted=promoted,
        serving=_serving(loaded, record),
    )


def _in_store(loaded: LoadedSpec, record: RunRecord, env: str) -> dict[str, str]:
    """`store` and `digest` of the model archive when the environment has a model store (mlspec/store/models.py)."""
    from mlspec.store.models import archive_ref

    if record.model is None or not record.model.path:
        return {}
    archive = RunStore(loaded.root).run_dir(record.run_id) / Path(record.model.path).name
    ref = archive_ref(loaded.spec, loaded.root, env, archive) if archive.is_file() else None
    return {"store": ref[0], "digest": ref[1]} if ref else {}


def _serving(loaded: LoadedSpec, record: RunRecord) -> dict[str, Any]:
    """The run's servability check (verdict and figures) for the deploy file; empty when it did not run."""
    from mlspec.state.servability import read_result

    result = read_result(RunStore(loaded.root), record.run_id) or {}
    keep = ("verdict", "reason", "rows", "mismatches", "latency_ms", "slo_p95_ms", "bento", "checked")
    return {key: result[key] for key in keep if key in result}


def _check_lineage(record: RunRecord) -> None:
    """A deployment must name the commit its model was trained from."""
    if record.git.commit is None:
        raise StageFailed(
            f"run {record.run_id} records no git commit (it was made outside a git repository or before the first "
            "commit), so the code and spec its model came from cannot be traced: nothing was promoted",
            hint="commit the project (`git add` and `git commit`), rerun `mlspec run`, then promote that run",
        )


def build_plan(
    loaded: LoadedSpec, record: RunRecord, env: str, gate_report: GateReport, settings: HostSettings
) -> tuple[PromotionPlan, Path]:
    spec = loaded.spec
    project = Project.of(loaded)
    environment = project.environment(env)
    project.check_model(record, needed_for="nothing to promote")
    assert record.model is not None  # check_model said so
    project.check_owned(record)
    _check_lineage(record)
    top = localgit.toplevel(loaded.root)
    project_dir = localgit.repo_relative(loaded.root, top)
    deploy_file = f"{DEPLOY_DIR}/{env}.yaml" if project_dir == "." else f"{project_dir}/{DEPLOY_DIR}/{env}.yaml"
    plan = PromotionPlan(
        project=spec.name,
        env=env,
        branch=f"mlspec/promote/{spec.name}/{env}",
        base=spec.triggers.branches[0],
        deploy_file=deploy_file,
        deployment=_deployment(loaded, record, env, environment.requires, settings, top),
        title=pr_title(spec.name, env, record.model.tag),
        labels=list(environment.labels),
        reviewers=list(environment.reviewers),
        required_env=environment.requires,
        report="",
        run_url=settings.run_url,
        card=model_card(loaded, record, gate_report),
    )
    # The body holds the card and the report: the report gets what the card leaves of GitHub's 65,536 characters.
    plan.manifests = overlay_changes(loaded, env, plan.deployment, deploy_file)
    if environment.kubernetes is not None and plan.deployment.image is None:
        plan.warnings.append(
            f"{env} runs on Kubernetes, but no image of model {record.model.tag} was pushed by digest: merging "
            "this pull request changes deploy/"
            f"{env}.yaml but not the image the cluster runs. Run `mlspec build --containerize --push` for this "
            "model, then `mlspec promote` again (docs/deploy.md)."
        )
        print(f"warning: {plan.warnings[-1]}", file=sys.stderr)
    plan.report = report_markdown(loaded, record, gate_report, max_chars=BODY_BUDGET - len(plan.card or ""))
    tests = failed_tests(gate_report)
    if tests:  # only reachable with --allow-failed-tests (promote_loaded refuses otherwise)
        plan.deployment.promoted["override"] = {"allow_failed_tests": True, "failed_tests": tests}
        plan.report = override_note(tests) + "\n\n" + plan.report
    if record.git.dirty:  # only reachable with --allow-dirty (promote_loaded refuses otherwise)
        override = plan.deployment.promoted.setdefault("override", {})
        override.update({"allow_dirty": True, "dirty_files": list(record.git.dirty_files)})
        plan.report = dirty_note(record.git.dirty_files) + "\n\n" + plan.report
    return plan, top


def failed_tests(gate_report: GateReport) -> list[str]:
    """The kinds of test ("data", "model") whose failure is among the gate's failures."""
    return gate_report.failed_tests


def check_gate(gate_report: GateReport, env: str, run_id: str, allow_failed_tests: bool) -> None:
    """Refuse promotion unless the gate passed, or its only failures are tests and the override was given."""
    if gate_report.passed:
        return
    tests = failed_tests(gate_report)
    others = [r for r in gate_report.failed if r.kind != "tests"]
    if allow_failed_tests and tests and not others:
        print(
            f"warning: promoting run {run_id} although its {' and '.join(tests)} tests failed "
            "(--allow-failed-tests; the deploy file and the pull request record it)",
            file=sys.stderr,
        )
        return
    if tests and not others:
        raise StageFailed(
            f"the gate for {env} did not pass for run {run_id}: its {' and '.join(tests)} tests failed; "
            "nothing was promoted (no branch, no pull request)",
            hint="fix the data or model and rerun `mlspec run`, or promote anyway with "
            "`--allow-failed-tests` (recorded in the deploy file and the pull request)",
        )
    raise StageFailed(
        f"the gate for {env} did not pass for run {run_id}: nothing was promoted (no branch, no pull request)"
    )


def check_clean(record: RunRecord, allow_dirty: bool) -> None:
    """Refuse a run made with uncommitted changes (its model may not be what its commit trains), naming the files,
    unless ``allow_dirty``."""
    if not record.git.dirty or record.git.commit is None:
        return  # clean; or no commit at all, which the lineage check refuses with its own message
    files = record.git.dirty_files
    named = (
        ": " + ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
        if files
        else " (this run's record does not name them: it was made by an older mlspec)"
    )
    commit = str(record.git.commit or "?")[:12]
    if allow_dirty:
        print(
            f"warning: promoting run {record.run_id} although it was made with uncommitted changes{named} "
            "(--allow-dirty; the deploy file and the pull request record it)",
            file=sys.stderr,
        )
        return
    raise StageFailed(
        f"run {record.run_id} was made with uncommitted changes to tracked files{named}; its model may not be what "
        f"commit {commit} trains: nothing was promoted (no branch, no pull request)",
        hint="commit (or revert) those changes and rerun `mlspec run`, then promote that run; or promote anyway "
        "with `--allow-dirty` (recorded in the deploy file and the pull request)",
    )


def dirty_note(files: list[str]) -> str:
    """The first lines of a promotion of a dirty run (--allow-dirty); file names are escaped (mlspec.markdown)."""
    from mlspec.markdown import code

    named = ", ".join(code(name, 200) for name in files[:10]) + (
        f" and {len(files) - 10} more" if len(files) > 10 else ""
    )
    return (
        "> ⚠️ **Promoted from a run with uncommitted changes**"
        + (f" to {named}" if files else "")
        + ": `mlspec promote --allow-dirty` overrode the check; the deploy file records it under `promoted.override`."
    )


def override_note(tests: list[str]) -> str:
    """The first lines of a promotion that overrides failed tests."""
    return (
        f"> ⚠️ **Promoted with failed {' and '.join(tests)} tests**: `mlspec promote --allow-failed-tests` "
        "overrode the gate; the deploy file records it under `promoted.override`."
    )


@locked_command("promote")  # issue 23 item 8: holds the project lock (state/lock.py), so gc waits
def promote_command(
    spec: ProjectLike,
    env: str,
    dry_run: bool = False,
    allow_failed_tests: bool = False,
    from_env: str | None = None,
    soak: bool = False,
    allow_dirty: bool = False,
) -> int:
    project = Project.of(spec)
    if from_env is not None or soak:
        if from_env is None or allow_failed_tests or allow_dirty:
            raise UsageError(
                "--soak needs --from-env, and --from-env goes without --allow-failed-tests and --allow-dirty",
                hint="`mlspec promote --env ENV --from-env REQUIRED [--soak]` promotes the model "
                "serving in the required environment; no gate runs again",
            )
        from mlspec.promote.release import release_command

        return release_command(project, env, from_env, soak=soak, dry_run=dry_run)

    loaded = project.loaded
    project.environment(env)
    record = project.runs.latest()
    gate_report = load_or_decide(project, record, env).report  # gate.json when current; else decided again, saying so
    if not gate_report.passed:
        print(gate_report.text_table())  # a terminal or CI log: plain text, not Markdown
    check_gate(gate_report, env, record.run_id, allow_failed_tests)
    return promote_loaded(
        loaded,
        record,
        env,
        gate_report,
        dry_run=dry_run,
        allow_failed_tests=allow_failed_tests,
        allow_dirty=allow_dirty,
    )


def promote_loaded(
    loaded: LoadedSpec,
    record: RunRecord,
    env: str,
    gate_report: GateReport,
    *,
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
    allow_failed_tests: bool = False,
    allow_dirty: bool = False,
) -> int:
    """promote_command after the gate verdict: for callers that already evaluated the gate."""
    from mlspec.hosts.all_hosts import current as code_host

    if not gate_report.passed and not (
        allow_failed_tests and failed_tests(gate_report) and all(r.kind == "tests" for r in gate_report.failed)
    ):
        raise StageFailed(f"the gate for {env} did not pass: nothing was promoted")
    check_clean(record, allow_dirty)
    env_vars = environ if environ is not None else os.environ
    host = code_host(env_vars)
    settings = host.settings(env_vars, promotion=True)
    plan, top = build_plan(loaded, record, env, gate_report, settings)
    apply_reviewed(plan, loaded, record, settings, env_vars)  # issue 25 item 4
    target: Target = (
        GitHubTarget(host.connect(settings), plan.base)
        if settings.has_token
        else LocalTarget(top, loaded.root, plan.base)
    )
    return submit(plan, target, dry_run=dry_run)
