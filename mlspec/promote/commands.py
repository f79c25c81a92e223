"""`mlspec promote --env ENV [--dry-run]`.

Flow: latest run record -> gate for ENV (mlspec.gate) -> ENV's `requires` satisfied on the base
branch -> deploy/<env>.yaml committed on `mlspec/promote/<project>/<env>` -> pull request (with a
token, through mlspec.github) or local branch + PR title/body files (without a token).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlspec.errors import EXIT_OK, MlspecError, StageFailed, UsageError
from mlspec.fsio import atomic_write_json, atomic_write_text
from mlspec.gate.decision import load_or_decide
from mlspec.gate.results import GateReport
from mlspec.ownership import check_deployment
from mlspec.project import Project
from mlspec.promote import branch_owner, localgit
from mlspec.promote.body import BODY_BUDGET, pr_body, pr_title, report_markdown
from mlspec.report.card import model_card
from mlspec.state.deploy import (
    DEPLOY_DIR,
    DeployedModel,
    Deployment,
    dump_deployment,
    model_artifact_ref,
    parse_deployment,
)
from mlspec.state.layout import StateLayout
from mlspec.state.lock import locked_command  # issue 23 item 8 (project lock)
from mlspec.state.record import RunRecord, RunStore, code_digests, utc_now

if TYPE_CHECKING:
    from mlspec.github.client import GitHubSettings, PullInfo, Repo
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


@dataclass
class Plan:
    project: str
    env: str
    branch: str
    base: str
    deploy_file: str  # repository-relative path of deploy/<env>.yaml
    deployment: Deployment
    title: str
    labels: list[str]
    reviewers: list[str]
    required_env: str | None
    report: str
    run_url: str | None
    folder: str = "promotions"  # .mlspec/<folder>/<env>/: the pull request files of the local mode
    card: str | None = None  # the model card, committed beside the deploy file (card_file) and put in the body
    verb: str = "promote"  # the commit subject's verb: "promote", or "roll back" (rollback)

    @property
    def commit_subject(self) -> str:
        if self.verb == "roll back":
            return f"mlspec: roll back {self.project} in {self.env} to {self.deployment.model.tag}"
        return f"mlspec: promote {self.project} {self.deployment.model.tag} to {self.env}"

    @property
    def card_subject(self) -> str:
        if self.verb == "roll back":
            return f"mlspec: roll back the model card of {self.env} to {self.deployment.model.tag}"
        return f"mlspec: model card of {self.deployment.model.tag} for {self.env}"

    @property
    def writes(self) -> tuple[str, ...]:
        """The files this promotion writes on its branch (and the only ones an mlspec branch may change)."""
        return (self.deploy_file, self.card_file)

    @property
    def card_file(self) -> str:
        from mlspec.report.card import card_path

        return card_path(self.deploy_file)

    def text(self, previous: str | None) -> str:
        """The file content; keeps the previous text when only `promoted` would change (idempotent reruns)."""
        if previous is not None:
            try:
                old = parse_deployment(previous, self.deploy_file)
            except MlspecError:
                old = None
            if old is not None and old.model_dump(exclude={"promoted"}) == self.deployment.model_dump(
                exclude={"promoted"}
            ):
                return previous
        return dump_deployment(self.deployment)

    def body(self, supersedes: str | None) -> str:
        return pr_body(
            deployment=self.deployment,
            deploy_file=self.deploy_file,
            report=self.report,
            supersedes=supersedes,
            run_url=self.run_url,
            card=self.card,
            card_file=self.card_file if self.card is not None else None,
        )


def _who(settings: GitHubSettings, top: Path) -> str:
    if settings.actor:
        return str(settings.actor)
    name = localgit.run_git("config", "user.name", cwd=top, check=False).stdout.strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _deployment(
    loaded: LoadedSpec, record: RunRecord, env: str, required: str | None, settings: GitHubSettings, top: Path
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
    promoted: dict[str, Any] = {"by": _who(settings, top), "at": utc_now(), "trigger": trigger}
    if required:
        promoted["from_environment"] = required
    return Deployment(
        project=loaded.spec.name,
        environment=env,
        model=DeployedModel(tag=tag, version=version, artifact=artifact),
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


def _serving(loaded: LoadedSpec, record: RunRecord) -> dict[str, Any]:
    """The run's servability check (verdict and figures) for the deploy file; empty when it did not run."""
    from mlspec.state.servability import read_result

    result = read_result(RunStore(loaded.root), record.run_id) or {}
    keep = ("verdict", "reason", "rows", "mismatches", "latency_ms", "slo_p95_ms", "bento", "checked")
    return {key: result[key] for key in keep if key in result}


def _deployed_tag(text: str | None, where: str, project: str, env: str) -> str | None:
    """The model tag a deploy file names (None without a file); a file of another project or environment is refused."""
    if text is None:
        return None
    deployment = parse_deployment(text, where)
    check_deployment(deployment, project, env, where)
    return deployment.model.tag


def _check_lineage(record: RunRecord) -> None:
    """A deployment must name the commit its model was trained from."""
    if record.git.commit is None:
        raise StageFailed(
            f"run {record.run_id} records no git commit (it was made outside a git repository or before the first "
            "commit), so the code and spec its model came from cannot be traced: nothing was promoted",
            hint="commit the project (`git add` and `git commit`), rerun `mlspec run`, then promote that run",
        )


def build_plan(
    loaded: LoadedSpec, record: RunRecord, env: str, gate_report: GateReport, settings: GitHubSettings
) -> tuple[Plan, Path]:
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
    plan = Plan(
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


def _required_path(plan: Plan, required: str) -> str:
    return plan.deploy_file.rsplit("/", 1)[0] + f"/{required}.yaml"


def _check_requires(plan: Plan, read_base: Callable[[str], str | None]) -> None:
    required = plan.required_env
    if not required:
        return
    path = _required_path(plan, required)
    deployed = _deployed_tag(read_base(path), f"{path} on {plan.base}", plan.project, required)
    tag = plan.deployment.model.tag
    if deployed != tag:
        now = f"names {deployed}" if deployed else "does not exist"
        raise StageFailed(
            f"{plan.env} requires {required}: {path} on {plan.base} {now}, not {tag}; nothing was promoted",
            hint=f"promote to {required} first (`mlspec promote --env {required}`) and merge that pull request",
        )


def _print_plan(plan: Plan, text: str, where: str, action: str) -> None:
    print(f"dry run: would {action}")
    print(f"  branch:    {plan.branch} (base {plan.base}) {where}")
    print(f"  file:      {plan.deploy_file}")
    if plan.card is not None:
        print(f"  card:      {plan.card_file}")
    print(f"  title:     {plan.title}")
    print(f"  labels:    {', '.join(plan.labels) or '-'}")
    print(f"  reviewers: {', '.join(plan.reviewers) or '-'}")
    print("--- " + plan.deploy_file)
    print(text.rstrip())
    print("dry run: nothing was changed")


@dataclass
class Proposal:
    """The promotion branch as it stands, as far as this promotion needs it."""

    previous: str | None  # the branch's deploy file this promotion builds on (None: the branch starts from the base)
    previous_card: str | None  # likewise the model card
    supersedes: str | None  # the candidate the branch proposed before, which this promotion replaces
    action: str  # what a dry run says it would do


class Target(Protocol):
    """Where a promotion goes: a pull request through GitHub's API (GitHubTarget), or a local branch and the pull
    request's title and body files (LocalTarget). ``submit`` is the one algorithm over both."""

    base: str
    where: str  # the repository, for the dry run

    def check_base(self) -> None:
        """Raise MlspecError when the base branch does not exist."""

    def read_base(self, path: str) -> str | None:
        """A file on the base branch (None: no such file)."""

    def proposal(self, plan: Plan) -> Proposal:
        """Read the promotion branch (and its pull request)."""

    def publish(self, plan: Plan, proposal: Proposal, text: str) -> None:
        """Put ``text`` (and the card) on the branch, open or describe the pull request, and say what was done."""


def submit(plan: Plan, target: Target, *, dry_run: bool) -> int:
    """Promote ``plan`` through ``target``: the base branch must exist and satisfy ``requires``; nothing happens when
    the base already names the model; else the deploy file (and card) go on the promotion branch and the pull
    request names the earlier candidate it supersedes."""
    target.check_base()
    _check_requires(plan, target.read_base)
    if (
        _deployed_tag(target.read_base(plan.deploy_file), plan.deploy_file, plan.project, plan.env)
        == plan.deployment.model.tag
    ):
        print(f"{plan.deploy_file} on {plan.base} already names {plan.deployment.model.tag}: nothing to promote")
        return EXIT_OK
    proposal = target.proposal(plan)
    text = plan.text(proposal.previous)
    if dry_run:
        _print_plan(plan, text, target.where, proposal.action)
        return EXIT_OK
    target.publish(plan, proposal, text)
    return EXIT_OK


class GitHubTarget:
    """A pull request through the GitHub API (mlspec.github.client): a commit per changed file on the branch, and a
    comment when the pull request now proposes another model."""

    def __init__(self, repo: Repo, base: str) -> None:
        self.repo, self.base = repo, base
        self.where = f"in {repo.full_name}"
        self._base_sha = ""
        self._branch_sha: str | None = None
        self._pr: PullInfo | None = None

    def check_base(self) -> None:
        base_sha = self.repo.branch_sha(self.base)
        if base_sha is None:
            raise MlspecError(
                f"base branch {self.base} not found in {self.repo.full_name}",
                hint="set triggers.branches in the spec to the repository's default branch",
            )
        self._base_sha = base_sha

    def read_base(self, path: str) -> str | None:
        return self.repo.read_file(path, self.base)

    def proposal(self, plan: Plan) -> Proposal:
        """Read the branch and its pull requests, and decide ownership (mlspec.promote.branch_owner) before any
        write: an open pull request by someone else, or a commit mlspec did not write, stops here."""
        repo = self.repo
        identity = repo.identity()
        pulls = repo.open_pulls_from(plan.branch)
        branch_owner.check_pulls(
            plan.branch, self.base, [branch_owner.Pull(p.number, p.author, p.base) for p in pulls], identity
        )
        self._pr = pr = next((p for p in pulls if p.base == self.base), None)
        self._branch_sha = branch_sha = repo.branch_sha(plan.branch)
        if branch_sha is not None:
            history = repo.branch_history(self.base, plan.branch)
            branch_owner.check_commits(
                plan.branch,
                self.base,
                [branch_owner.Commit(c.sha, c.message, c.parents, c.author, c.committer) for c in history.commits],
                history.files,
                plan.writes,
                identity=identity,
                is_ours=repo.is_ours,
            )
        previous = repo.read_file(plan.deploy_file, plan.branch) if (pr and branch_sha) else None
        previous_card = (
            repo.read_file(plan.card_file, plan.branch) if (pr and branch_sha and plan.card is not None) else None
        )
        supersedes = _deployed_tag(previous, plan.deploy_file, plan.project, plan.env)
        return Proposal(
            previous=previous,
            previous_card=previous_card,
            supersedes=supersedes if supersedes != plan.deployment.model.tag else None,
            action=f"update pull request #{pr.number}" if pr else "open a pull request",
        )

    def publish(self, plan: Plan, proposal: Proposal, text: str) -> None:
        repo = self.repo
        if self._branch_sha is None:
            repo.create_branch(plan.branch, self._base_sha)
        elif self._pr is None:
            repo.move_branch(plan.branch, self._base_sha, force=True)  # stale branch of a merged/closed PR: start over
        if text != proposal.previous:
            repo.write_file(
                plan.deploy_file,
                text,
                branch=plan.branch,
                message=branch_owner.commit_message(plan.commit_subject, plan.branch),
            )
        if plan.card is not None and plan.card != proposal.previous_card:
            repo.write_file(
                plan.card_file,
                plan.card,
                branch=plan.branch,
                message=branch_owner.commit_message(plan.card_subject, plan.branch),
            )
        info, created = repo.open_or_update_pr(
            head=plan.branch,
            base=self.base,
            title=plan.title,
            body=plan.body(proposal.supersedes),
            labels=plan.labels,
            reviewers=plan.reviewers,
        )
        if proposal.supersedes:
            repo.comment(
                info.number,
                f"Superseded `{proposal.supersedes}`: this pull request now promotes "
                f"`{plan.deployment.model.tag}` (run `{plan.deployment.lineage.get('run_id')}`).",
            )
        print(f"{'opened' if created else 'updated'} pull request #{info.number}: {info.html_url}")


class LocalTarget:
    """Without a token: one commit on the local branch (mlspec.promote.localgit, never touching the working tree),
    pushed when there is an origin, and the pull request's title and body written under .mlspec/<folder>/<env>/."""

    def __init__(self, top: Path, spec_root: Path, base: str) -> None:
        self.top, self.spec_root, self.base = top, spec_root, base
        self.where = f"in the local repository {top}"
        self._base_sha: str | None = None
        self._branch_sha: str | None = None
        self._keep = False
        self._parent = ""
        self._remote_sha: str | None = None

    def check_base(self) -> None:
        self._base()

    def _base(self) -> str:
        if self._base_sha is None:
            self._base_sha = localgit.rev(f"refs/heads/{self.base}", self.top)
            if self._base_sha is None:
                current = localgit.current_branch(self.top)
                raise MlspecError(
                    f"base branch {self.base} does not exist in {self.top}"
                    + (f" (its current branch is {current})" if current and current != self.base else ""),
                    hint=f"promotion PRs target the spec's first triggers.branches entry ({self.base}): set "
                    f"triggers.branches to your default branch"
                    + (f", e.g. `triggers: {{branches: [{current}]}}`" if current and current != self.base else ""),
                )
        return self._base_sha

    def read_base(self, path: str) -> str | None:
        return localgit.show(self._base(), path, self.top)

    def proposal(self, plan: Plan) -> Proposal:
        top, base_sha = self.top, self._base()
        if localgit.current_branch(top) == plan.branch:
            raise MlspecError(f"{plan.branch} is checked out in {top}", hint=f"switch to {self.base} and run again")
        self._branch_sha = branch_sha = localgit.rev(f"refs/heads/{plan.branch}", top)
        self._check_owner(plan, base_sha, branch_sha)
        # The branch is built on when it holds the base; else (the base moved on) it is rebuilt from the base.
        self._keep = keep = branch_sha is not None and localgit.is_ancestor(base_sha, branch_sha, top)
        self._parent = parent = branch_sha if keep and branch_sha else base_sha
        return Proposal(
            previous=localgit.show(parent, plan.deploy_file, top) if keep else None,
            previous_card=localgit.show(parent, plan.card_file, top) if keep and plan.card is not None else None,
            supersedes=self._supersedes(plan, base_sha, branch_sha),
            action="commit and write the pull request files",
        )

    def _check_owner(self, plan: Plan, base_sha: str, branch_sha: str | None) -> None:
        """Before any write: the local branch's commits beyond the base must be mlspec's (branch_owner), and origin's
        branch, when there is one, must be the local branch mlspec checks (else it holds commits not seen here)."""
        top = self.top
        self._remote_sha = None
        if branch_sha is not None:
            commits, files = localgit.branch_history(top, base_sha, branch_sha)
            branch_owner.check_commits(
                plan.branch,
                self.base,
                [branch_owner.Commit(sha, message, parents) for sha, message, parents in commits],
                files,
                plan.writes,
                push_hint=False,
            )
        if localgit.has_remote(top):
            try:
                self._remote_sha = remote = localgit.remote_branch(top, plan.branch)
            except MlspecError as exc:  # offline: the push below may only create the branch or fast-forward it
                print(f"warning: {exc.message}; the push will not overwrite anything there", file=sys.stderr)
                return
            if remote is not None and remote != branch_sha:
                raise branch_owner.ForeignBranchError(
                    f"origin's {plan.branch} is at {remote[:12]}, "
                    + (f"the local one at {branch_sha[:12]}" if branch_sha else "and there is no local one")
                    + f": it holds commits mlspec has not checked here; {branch_owner.NOTHING_CHANGED}",
                    hint=f"fetch it (`git fetch origin {plan.branch}:{plan.branch}`) and run again: mlspec then "
                    "updates it if its commits are all mlspec's",
                )

    def _supersedes(self, plan: Plan, base_sha: str, branch_sha: str | None) -> str | None:
        """The candidate an unmerged promotion branch proposes, when this promotion replaces it (also when the
        base moved on and the branch is rebuilt from the base)."""
        top = self.top
        if branch_sha is None or localgit.is_ancestor(branch_sha, base_sha, top):
            return None  # no branch, or its candidate was merged
        proposed = _deployed_tag(
            localgit.show(branch_sha, plan.deploy_file, top), plan.deploy_file, plan.project, plan.env
        )
        on_base = _deployed_tag(
            localgit.show(base_sha, plan.deploy_file, top), plan.deploy_file, plan.project, plan.env
        )
        return proposed if proposed not in (None, on_base, plan.deployment.model.tag) else None

    def publish(self, plan: Plan, proposal: Proposal, text: str) -> None:
        top, branch_sha, supersedes = self.top, self._branch_sha, proposal.supersedes
        folder = StateLayout(self.spec_root).promotions(plan.env, plan.folder)
        card = {plan.card_file: plan.card} if plan.card is not None else {}
        changed = text != proposal.previous or (plan.card is not None and plan.card != proposal.previous_card)
        if changed:
            localgit.commit_file(
                top,
                branch=plan.branch,
                parent=self._parent,
                path=plan.deploy_file,
                text=text,
                message=branch_owner.commit_message(plan.commit_subject, plan.branch),
                old=branch_sha,
                extra=card,
            )
        pushed = False
        if localgit.has_remote(top):
            localgit.push(top, plan.branch, force=branch_sha is not None and not self._keep, expect=self._remote_sha)
            pushed = True
        title_file = atomic_write_text(folder / "pr-title.txt", plan.title + "\n")
        body_file = atomic_write_text(folder / "pr-body.md", plan.body(supersedes))
        atomic_write_json(
            folder / "pr.json",
            {
                "head": plan.branch,
                "base": self.base,
                "title": plan.title,
                "labels": plan.labels,
                "reviewers": plan.reviewers,
                "deploy_file": plan.deploy_file,
                "model": plan.deployment.model.tag,
                "supersedes": supersedes,
            },
        )
        state = "committed" if changed else "unchanged"
        files = plan.deploy_file + (f" and {plan.card_file}" if card else "")
        print(f"branch {plan.branch}: {state} {files}" + (" and pushed to origin" if pushed else ""))
        if supersedes:
            print(f"supersedes {supersedes} on {plan.branch}")
        print(f"no GitHub token: wrote the pull request title to {title_file} and its body to {body_file}")
        print(
            f"open it on GitHub from branch {plan.branch} into {self.base}, or set GITHUB_TOKEN to let mlspec open it"
        )


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
        print(gate_report.markdown_table())
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
    from mlspec.github.client import PROMOTION_TOKEN_VARIABLES, GitHubSettings, connect

    if not gate_report.passed and not (
        allow_failed_tests and failed_tests(gate_report) and all(r.kind == "tests" for r in gate_report.failed)
    ):
        raise StageFailed(f"the gate for {env} did not pass: nothing was promoted")
    check_clean(record, allow_dirty)
    settings = GitHubSettings.from_env(
        environ if environ is not None else os.environ, token_variables=PROMOTION_TOKEN_VARIABLES
    )
    plan, top = build_plan(loaded, record, env, gate_report, settings)
    target: Target = (
        GitHubTarget(connect(settings), plan.base) if settings.has_token else LocalTarget(top, loaded.root, plan.base)
    )
    return submit(plan, target, dry_run=dry_run)
