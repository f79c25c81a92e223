"""Where a promotion's pull request goes, and the one way it gets there.

`PromotionPlan` is one promotion (the deploy file, and the model card beside it, on an mlspec branch, the pull request
title and body); `submit` sends it to a `Target`: `GitHubTarget` (the REST API, with a token) or
`LocalTarget` (a local branch plus the pull request's title and body as files, without one). `mlspec promote`
(commands.py), `--from-env` (release.py) and `mlspec rollback` (rollback.py) all build a PromotionPlan and submit it.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlspec.errors import EXIT_OK, MlspecError, StageFailed
from mlspec.fsio import atomic_write_json, atomic_write_text
from mlspec.ownership import check_deployment
from mlspec.promote import branch_owner, localgit
from mlspec.promote.body import pr_body
from mlspec.state.deploy import (
    Deployment,
    dump_deployment,
    parse_deployment,
)
from mlspec.state.layout import StateLayout

if TYPE_CHECKING:
    from mlspec.hosts.base import HostSettings


@dataclass
class PromotionPlan:
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
    # repository-relative path -> text: the Kubernetes overlay naming the deploy file's image (mlspec.deploy)
    manifests: dict[str, str] = field(default_factory=dict)
    # what a reviewer must know before merging (printed, and at the top of the pull request body)
    warnings: list[str] = field(default_factory=list)

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
        return (self.deploy_file, self.card_file, *self.manifests)

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
            warnings=self.warnings,
        )


def deployed_tag(text: str | None, where: str, project: str, env: str) -> str | None:
    """The model tag a deploy file names (None without a file); a file of another project or environment is refused."""
    if text is None:
        return None
    deployment = parse_deployment(text, where)
    check_deployment(deployment, project, env, where)
    return deployment.model.tag


def who(settings: HostSettings, top: Path) -> str:
    if settings.actor:
        return str(settings.actor)
    name = localgit.run_git("config", "user.name", cwd=top, check=False).stdout.strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _required_path(plan: PromotionPlan, required: str) -> str:
    return plan.deploy_file.rsplit("/", 1)[0] + f"/{required}.yaml"


def _check_requires(plan: PromotionPlan, read_base: Callable[[str], str | None]) -> None:
    required = plan.required_env
    if not required:
        return
    path = _required_path(plan, required)
    deployed = deployed_tag(read_base(path), f"{path} on {plan.base}", plan.project, required)
    tag = plan.deployment.model.tag
    if deployed != tag:
        now = f"names {deployed}" if deployed else "does not exist"
        raise StageFailed(
            f"{plan.env} requires {required}: {path} on {plan.base} {now}, not {tag}; nothing was promoted",
            hint=f"promote to {required} first (`mlspec promote --env {required}`) and merge that pull request",
        )


def _print_plan(plan: PromotionPlan, text: str, where: str, action: str) -> None:
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

    def proposal(self, plan: PromotionPlan) -> Proposal:
        """Read the promotion branch (and its pull request)."""

    def publish(self, plan: PromotionPlan, proposal: Proposal, text: str) -> None:
        """Put ``text`` (and the card) on the branch, open or describe the pull request, and say what was done."""


def submit(plan: PromotionPlan, target: Target, *, dry_run: bool) -> int:
    """Promote ``plan`` through ``target``: the base branch must exist and satisfy ``requires``; nothing happens when
    the base already names the model; else the deploy file (and card) go on the promotion branch and the pull
    request names the earlier candidate it supersedes."""
    target.check_base()
    _check_requires(plan, target.read_base)
    if (
        deployed_tag(target.read_base(plan.deploy_file), plan.deploy_file, plan.project, plan.env)
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
    """A pull request through the code host's API (the client `CodeHost.connect` returns; GitHub's is
    mlspec.hosts.github.client's `Repo`): a commit per changed file on the branch, and a comment when the pull
    request now proposes another model."""

    def __init__(self, repo: Any, base: str) -> None:
        self.repo, self.base = repo, base
        self.where = f"in {repo.full_name}"
        self._base_sha = ""
        self._branch_sha: str | None = None
        self._pr: Any = None  # the open pull request of the branch (the client's pull request record)

    def check_base(self) -> None:
        base_sha = self.repo.branch_sha(self.base)
        if base_sha is None:
            raise MlspecError(
                f"base branch {self.base} not found in {self.repo.full_name}",
                hint="set triggers.branches in the spec to the repository's default branch",
            )
        self._base_sha = base_sha

    def read_base(self, path: str) -> str | None:
        text: str | None = self.repo.read_file(path, self.base)
        return text

    def proposal(self, plan: PromotionPlan) -> Proposal:
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
        supersedes = deployed_tag(previous, plan.deploy_file, plan.project, plan.env)
        return Proposal(
            previous=previous,
            previous_card=previous_card,
            supersedes=supersedes if supersedes != plan.deployment.model.tag else None,
            action=f"update pull request #{pr.number}" if pr else "open a pull request",
        )

    def publish(self, plan: PromotionPlan, proposal: Proposal, text: str) -> None:
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
        for path, content in plan.manifests.items():
            if repo.read_file(path, plan.branch) != content:
                repo.write_file(
                    path,
                    content,
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

    def proposal(self, plan: PromotionPlan) -> Proposal:
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

    def _check_owner(self, plan: PromotionPlan, base_sha: str, branch_sha: str | None) -> None:
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

    def _supersedes(self, plan: PromotionPlan, base_sha: str, branch_sha: str | None) -> str | None:
        """The candidate an unmerged promotion branch proposes, when this promotion replaces it (also when the
        base moved on and the branch is rebuilt from the base)."""
        top = self.top
        if branch_sha is None or localgit.is_ancestor(branch_sha, base_sha, top):
            return None  # no branch, or its candidate was merged
        proposed = deployed_tag(
            localgit.show(branch_sha, plan.deploy_file, top), plan.deploy_file, plan.project, plan.env
        )
        on_base = deployed_tag(localgit.show(base_sha, plan.deploy_file, top), plan.deploy_file, plan.project, plan.env)
        return proposed if proposed not in (None, on_base, plan.deployment.model.tag) else None

    def publish(self, plan: PromotionPlan, proposal: Proposal, text: str) -> None:
        top, branch_sha, supersedes = self.top, self._branch_sha, proposal.supersedes
        folder = StateLayout(self.spec_root).promotions(plan.env, plan.folder)
        card = {plan.card_file: plan.card} if plan.card is not None else {}
        changed = text != proposal.previous or (plan.card is not None and plan.card != proposal.previous_card)
        moved = [p for p, c in plan.manifests.items() if localgit.show(self._parent, p, top) != c]  # one read each
        changed = changed or bool(moved)
        if changed:
            localgit.commit_file(
                top,
                branch=plan.branch,
                parent=self._parent,
                path=plan.deploy_file,
                text=text,
                message=branch_owner.commit_message(plan.commit_subject, plan.branch),
                old=branch_sha,
                extra={**card, **plan.manifests},
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
        files = plan.deploy_file + (f" and {plan.card_file}" if card else "") + "".join(f" and {p}" for p in moved)
        print(f"branch {plan.branch}: {state} {files}" + (" and pushed to origin" if pushed else ""))
        if supersedes:
            print(f"supersedes {supersedes} on {plan.branch}")
        print(f"no GitHub token: wrote the pull request title to {title_file} and its body to {body_file}")
        print(
            f"open it on GitHub from branch {plan.branch} into {self.base}, or set GITHUB_TOKEN to let mlspec open it"
        )
