"""GitHub Actions, in one place: what mlspec reads from a job's environment (`ActionsEnv`: repository, run,
event, servers; used by the GitHub client, the report's run link and the run record's trigger) and what it
writes into the job: the job summary (`$GITHUB_STEP_SUMMARY`), appended to under GitHub's 1 MiB limit by
every command that writes one (report, drift)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects job summaries above 1 MiB
MIN_ROOM = 2000  # below this, nothing useful fits: the summary is full
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class ActionsEnv:
    """The variables GitHub Actions sets for a job (each None when unset or empty; the servers default to github.com)."""

    repository: str | None = None
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    event_path: str | None = None
    event_name: str | None = None
    sha: str | None = None
    ref: str | None = None
    run_id: str | None = None
    actor: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ActionsEnv:
        env = os.environ if environ is None else environ
        return cls(
            repository=env.get("GITHUB_REPOSITORY") or None,
            api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            event_path=env.get("GITHUB_EVENT_PATH") or None,
            event_name=env.get("GITHUB_EVENT_NAME") or None,
            sha=env.get("GITHUB_SHA") or None,
            ref=env.get("GITHUB_REF") or None,
            run_id=env.get("GITHUB_RUN_ID") or None,
            actor=env.get("GITHUB_ACTOR") or None,
        )

    @property
    def run_url(self) -> str | None:
        """The workflow run's page, when the job runs in GitHub Actions (repository and run id known)."""
        if self.repository and self.run_id:
            return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return None

    def trigger(self) -> dict[str, Any]:
        """The run record's trigger facts that are known (event, actor, ref, sha, run_id, repository)."""
        facts = {
            "event": self.event_name,
            "actor": self.actor,
            "ref": self.ref,
            "sha": self.sha,
            "run_id": self.run_id,
            "repository": self.repository,
        }
        return {key: value for key, value in facts.items() if value}


def job_summary(environ: Mapping[str, str] | None = None) -> Path | None:
    """The job summary file, when running in GitHub Actions (None outside)."""
    path = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    return Path(path) if path else None


def _fit_bytes(make: Callable[[int], str], budget: int) -> str:
    """The longest text whose UTF-8 encoding fits ``budget`` bytes (characters can take 4 bytes)."""
    chars = budget
    while True:
        text = make(chars)
        if len(text.encode("utf-8")) <= budget or chars < 1000:
            return text
        chars = int(chars * budget / len(text.encode("utf-8"))) - 100


def _cut(text: str) -> Callable[[int], str]:
    return lambda chars: (
        text if len(text) <= chars else text[: max(0, chars - 60)] + "\n\n_… cut to fit GitHub's job summary limit._\n"
    )


def append_job_summary(content: str | Callable[[int], str], path: Path | None = None) -> bool:
    """Append ``content`` to the job summary (``path``, default `$GITHUB_STEP_SUMMARY`), keeping the whole file
    under 1 MiB. ``content`` is the text, or a function that builds it within a number of characters (a report
    that shortens itself). False when there is no job summary or no room left in it."""
    path = path or job_summary()
    if path is None:
        return False
    used = path.stat().st_size if path.exists() else 0
    budget = SUMMARY_LIMIT - used - 2
    if budget < MIN_ROOM:
        return False
    text = _fit_bytes(content if callable(content) else _cut(content), budget)
    with path.open("a", encoding="utf-8") as handle:  # GitHub's file: appended to, like `>> $GITHUB_STEP_SUMMARY`
        handle.write(text if text.endswith("\n") else text + "\n")
    return True
