"""GitHub's rate limits as its REST docs describe them (issue 23 item 6): retry-after, then x-ratelimit-reset when
the quota is used up, else at least a minute for a secondary rate limit, doubling; within the command's deadline."""

from __future__ import annotations

import time

import pytest

from mlspec.errors import GitHubError
from mlspec.hosts.github.client import GitHubSettings, connect
from mlspec.hosts.github.errors import GitHubRateLimited
from tests.github_standin import GitHubStandIn

SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_without_retry_after_waits_the_secondary_minute_doubling(
    github_standin: GitHubStandIn, status: int
) -> None:
    repo = connect(GitHubSettings.from_env(github_standin.env(MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS="0.25")))
    github_standin.inject(
        "POST", r"/dispatches$", [status, status], headers={"x-ratelimit-remaining": "42"}, body=SECONDARY
    )
    repo.repository_dispatch("ping")
    sent = github_standin.requests_to("POST", r"/dispatches$")
    assert [r["status"] for r in sent] == [status, status, 204]
    first, second = sent[1]["time"] - sent[0]["time"], sent[2]["time"] - sent[1]["time"]
    assert first >= 0.25 and second >= 0.5  # the "minute" (here 0.25 s), then twice as long


def test_a_403_that_is_no_rate_limit_is_not_retried(github_standin: GitHubStandIn) -> None:
    repo = connect(GitHubSettings.from_env(github_standin.env()))
    github_standin.inject("POST", r"/dispatches$", [403], body={"message": "Resource not accessible by integration"})
    with pytest.raises(GitHubError) as caught:
        repo.repository_dispatch("ping")
    assert not isinstance(caught.value, GitHubRateLimited)
    assert len(github_standin.requests_to("POST", r"/dispatches$")) == 1


def test_a_wait_past_the_deadline_fails_at_once_saying_rate_limited(github_standin: GitHubStandIn) -> None:
    env = github_standin.env(MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS="60", MLSPEC_GITHUB_DEADLINE_SECONDS="5")
    repo = connect(GitHubSettings.from_env(env))
    github_standin.inject("POST", r"/dispatches$", [403], body=SECONDARY)
    started = time.monotonic()
    with pytest.raises(GitHubRateLimited) as caught:
        repo.repository_dispatch("ping")
    assert time.monotonic() - started < 3
    assert caught.value.message.startswith(
        "GitHub rate limited the token while trying to send repository_dispatch ping in octo-org/ml-repo: HTTP 403 "
        "(GitHub's secondary rate limit) after 1 attempts in 0 s; GitHub asks to wait 60 s more"
    )
    assert "re-run the job" in str(caught.value.hint)
