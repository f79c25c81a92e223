"""Why a run happened, said twice and labelled: what changed since the previous run of the project (what
caused this run) and what changed since the champion (deploy/<first env>.yaml: what the promotion would
change). Also git and CI trigger facts for the record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.git import fact
from mlspec.state.record import DIRTY_FILES_LIMIT, Change, DataFile, GitInfo, RunRecord, RunStore, code_digests

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


def _git(root: Path, *args: str) -> str | None:
    """git's answer, or None whatever went wrong: these are facts for the record, never required."""
    return fact(*args, cwd=root)


def git_info(root: Path) -> GitInfo:
    """Commit, dirty flag and branch as far as they are known: outside a git repository (or without
    git) all null, dirty included (unknown, never "clean"); in a repository without a commit yet,
    commit null and dirty true (nothing is committed)."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if commit is None:
        in_repo = _git(root, "rev-parse", "--git-dir") is not None
        return GitInfo(commit=None, dirty=True if in_repo else None)
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return GitInfo(
        commit=commit,
        dirty=bool(status),
        branch=None if branch in (None, "HEAD") else branch,
        dirty_files=dirty_files(root) if status else [],
    )


def dirty_files(root: Path) -> list[str]:
    """Tracked files (repository paths) whose staged or unstaged content differs from HEAD, sorted, at most
    DIRTY_FILES_LIMIT."""
    listed = _git(root, "diff", "--name-only", "-z", "--no-renames", "HEAD") or ""
    return sorted({name for name in listed.split("\0") if name})[:DIRTY_FILES_LIMIT]


DRIFT_EVENT_PREFIX = "mlspec-drift-"  # repository_dispatch event type sent by `mlspec drift --dispatch`
MAX_REASON_CHARS = 300


def _one_line(value: Any, limit: int = MAX_REASON_CHARS) -> str | None:
    """Untrusted text from an event payload as one bounded line, or None when it is not text."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _drift_trigger(event_path: str | None) -> dict[str, str]:
    """The drift summary of a `repository_dispatch` of type `mlspec-drift-<project>` (the event file
    GitHub writes for the run): what the monitor found, e.g. "feature `income` drifted (score 0.31 > 0.2)"."""
    if not event_path:
        return {}
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    action = event.get("action") if isinstance(event, dict) else None
    payload = event.get("client_payload") if isinstance(event, dict) else None
    if not isinstance(action, str) or not action.startswith(DRIFT_EVENT_PREFIX) or not isinstance(payload, dict):
        return {}
    found = {"drift": _one_line(payload.get("summary")) or "drift found (no summary in the dispatch)"}
    environment = _one_line(payload.get("environment"), 64)
    if environment:
        found["drift_environment"] = environment
    run_url = _one_line(payload.get("run_url"), 500)
    if run_url and run_url.startswith("https://"):
        found["drift_run"] = run_url
    return found


def trigger() -> dict[str, Any]:
    """What started this run, as the code host's CI tells it (mlspec/hosts/all_hosts.py); "local" outside CI."""
    import os

    from mlspec.hosts.all_hosts import current

    host = current(os.environ)
    found = host.trigger(os.environ)
    if found.get("event") == "repository_dispatch":  # the drift monitor's dispatch (GitHub's event file)
        found.update(_drift_trigger(host.event_file(os.environ)))
    return found or {"event": "local"}


def drift_change(record: RunRecord) -> list[Change]:
    """A run started by the drift monitor says so first."""
    summary = record.trigger.get("drift") if record.trigger else None
    if not summary:
        return []
    where = str(record.trigger.get("drift_environment") or "the monitored data")
    return [Change(kind="drift", what=where, detail=str(summary))]


def _short_id(digest: str) -> str:
    """`dvc-md5:3b0a9c1f...` -> `md5 3b0a9c1f`, `version:abc` -> `version abc`."""
    kind, _, value = digest.partition(":")
    return f"{kind.removeprefix('dvc-')} {value[:12]}" if value else digest[:12]


def _rows_detail(old: int | None, new: int | None) -> str:
    if old is None or new is None:
        return "contents changed"
    delta = new - old
    if delta == 0:
        return f"contents changed, same row count ({new:,} rows)"
    return f"{delta:+,} rows ({old:,} -> {new:,})"


def _config_changes(old_sections: dict[str, Any], sections: dict[str, Any]) -> list[Change]:
    """One change per spec key whose value differs, e.g. `train.params.n_estimators` 100 -> 150."""
    from mlspec.pipeline.cache import key_changes

    changes = []
    for section, value in sections.items():
        for line in key_changes(section, old_sections.get(section), value):
            key, _, detail = line.partition(": ")
            changes.append(Change(kind="config", what=key, detail=detail))
    return changes


def _code_changes(old: dict[str, str], new: dict[str, str], suffix: str = "") -> list[Change]:
    """One change per code file whose digest differs: new, removed or modified."""
    changes = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) != new.get(path):
            detail = "new" if path not in old else "removed" if path not in new else "modified"
            changes.append(Change(kind="code", what=path, detail=detail + suffix))
    return changes


def changes_since_record(
    base: RunRecord, data: list[DataFile], sections: dict[str, Any], code: dict[str, str], versions: dict[str, str]
) -> list[Change]:
    changes: list[Change] = []
    old_files = {d.role: d for d in base.data}
    for d in data:
        old = old_files.get(d.role)
        if old is None or old.path != d.path and old.digest != d.digest:
            changes.append(
                Change(kind="data", what=d.path, detail="new data file" if old is None else f"was {old.path}")
            )
        elif old.digest != d.digest:
            detail = _rows_detail(old.rows, d.rows)
            if d.origin:  # DVC hash or object version: say which
                detail += f"; {d.origin}: {_short_id(old.digest)} -> {_short_id(d.digest)}"
            changes.append(Change(kind="data", what=d.path, detail=detail))
    old_sections = base.spec_sections
    if old_sections:
        changes += _config_changes(old_sections, sections)
    elif base.spec_digest and sections:
        changes.append(Change(kind="config", what="mlproject.yaml", detail="spec changed (no key-level detail)"))
    train_inputs = getattr(base.stage("train"), "inputs", None)
    if train_inputs:
        changes += _code_changes(code_digests(train_inputs), code)
    for name, version in versions.items():
        old_version = base.versions.get(name)
        if old_version and old_version != version:
            changes.append(Change(kind="environment", what=name, detail=f"{old_version} -> {version}"))
    return changes


def _sections_at(root: Path, commit: str, spec_file: Path) -> dict[str, Any] | None:
    """The spec sections as they were at ``commit`` (from git history), or None when that commit or
    the spec is not there (a shallow clone) or no longer loads."""
    import tempfile

    from mlspec.pipeline.cache import spec_sections
    from mlspec.spec import load_spec

    prefix = _git(root, "rev-parse", "--show-prefix")
    if prefix is None:
        return None
    text = _git(root, "show", f"{commit}:{prefix}{spec_file.name}")
    if text is None:
        return None
    with tempfile.TemporaryDirectory(prefix="mlspec-champion-spec-") as folder:
        old = Path(folder) / spec_file.name
        old.write_text(text + "\n", encoding="utf-8")
        try:
            return spec_sections(load_spec(old, check_files=False).spec)
        except Exception:  # noqa: BLE001 - an old spec that no longer validates: no key-level detail
            return None


def changes_since_lineage(
    root: Path,
    lineage: dict[str, Any],
    data: list[DataFile],
    spec_digest: str,
    code: dict[str, str],
    sections: dict[str, Any],
    spec_file: Path,
) -> list[Change]:
    """Changes against the champion's lineage in deploy/<env>.yaml, for a runner that does not have
    the champion's run record (CI): data digests and row counts, code digests, and spec keys diffed
    against the spec at the champion's commit when git history has it."""
    changes: list[Change] = []
    digests, rows = lineage.get("data") or {}, lineage.get("rows") or {}
    for d in data:
        old = digests.get(d.role)
        if old != d.digest:
            detail = _rows_detail(rows.get(d.role), d.rows) if old else "not in the champion's lineage"
            changes.append(Change(kind="data", what=d.path, detail=detail))
    commit = lineage.get("commit")
    if lineage.get("spec_digest") and lineage["spec_digest"] != spec_digest:
        old_sections = _sections_at(root, str(commit), spec_file) if commit else None
        found = _config_changes(old_sections, sections) if old_sections else []
        if not found:
            detail = (
                "spec changed since the champion's run"
                if old_sections is None
                else "spec text changed; no setting a stage uses did"
            )
            found = [Change(kind="config", what=spec_file.name, detail=detail)]
        changes += found
    old_code = lineage.get("code")
    if isinstance(old_code, dict):
        changes += _code_changes(old_code, code, " since the champion's run")
    elif commit and code:
        diff = _git(root, "diff", "--name-only", str(commit), "--", *sorted(code))
        for line in (diff or "").splitlines():
            changes.append(Change(kind="code", what=line, detail=f"changed since {str(commit)[:7]}"))
    return changes


def unique(changes: list[Change]) -> list[Change]:
    """Each changed thing once, in order: one data file that is both the train and the test source (a split)
    is one change, not two (the first role's detail is kept)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for change in changes:
        key = (change.kind, change.what)
        if key not in seen:
            seen.add(key)
            out.append(change)
    return out


@dataclass
class RunChanges:
    """What changed since the previous run (the cause) and since the champion, each with its baseline."""

    since_previous: list[Change] = field(default_factory=list)
    previous: dict[str, Any] = field(default_factory=dict)  # {"kind": "previous-run", "run_id"} | {"kind": "none"}
    since_champion: list[Change] = field(default_factory=list)
    champion: dict[str, Any] | None = None  # {"kind": "champion", "environment", "model", "run_id"}; None: none yet


def _since_champion(
    loaded: LoadedSpec, store: RunStore, record: RunRecord, code: dict[str, str]
) -> tuple[list[Change], dict[str, Any] | None]:
    from mlspec.state.deploy import read_deployment

    env = loaded.spec.environments[0].name
    try:
        champion = read_deployment(loaded.root, env)
    except Exception:  # noqa: BLE001 - an unreadable deploy file is reported by gate/promote
        champion = None
    if champion is None:
        return [], None
    run_id = champion.lineage.get("run_id")
    baseline = {"kind": "champion", "environment": env, "model": champion.model.tag, "run_id": run_id}
    if run_id == record.run_id:
        return [], baseline
    base = None
    if run_id:
        try:
            base = store.load(str(run_id))
        except Exception:  # noqa: BLE001 - the champion's record may come from CI, not this machine
            base = None
    if base is not None:
        found = changes_since_record(base, record.data, record.spec_sections, code, record.versions)
    else:
        found = changes_since_lineage(
            loaded.root, champion.lineage, record.data, record.spec_digest, code, record.spec_sections, loaded.path
        )
    return unique(found), baseline


def compute_changes(
    loaded: LoadedSpec,
    store: RunStore,
    record: RunRecord,
    previous: RunRecord | None,
    code: dict[str, str],
) -> RunChanges:
    """The record's changes since the previous run and since the champion. Without an earlier run here (a
    fresh CI runner) but with a champion, the previous run is unknown rather than "first run"."""
    since_champion, champion = _since_champion(loaded, store, record, code)
    if previous is not None:
        found = changes_since_record(previous, record.data, record.spec_sections, code, record.versions)
        return RunChanges(unique(found), {"kind": "previous-run", "run_id": previous.run_id}, since_champion, champion)
    if champion is not None:
        return RunChanges([], {"kind": "unknown"}, since_champion, champion)
    first = [Change(kind="first-run", what="no earlier run", detail="first run of this project")]
    return RunChanges(first, {"kind": "none"}, since_champion, champion)
