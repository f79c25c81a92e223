"""github3.py / requests failures -> GitHubError with a message that says what to do.

Every message passes through `scrub`, so the token never reaches output, logs or errors.
"""

from __future__ import annotations

from typing import Any

from mlspec.errors import GitHubError

ACTIONS_PR_FORBIDDEN = "GitHub Actions is not permitted to create or approve pull requests"
ACTIONS_PR_HINT = (
    'enable Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve '
    'pull requests" in the repository (or its organization), or set MLSPEC_PROMOTION_TOKEN to a GitHub App '
    "token or a personal access token with contents and pull-requests write access"
)
PERMISSION_HINT = (
    "the token needs write access: in a workflow grant `permissions: {contents: write, pull-requests: write, "
    "issues: write, actions: write}` as needed; a GitHub App token or personal access token needs the same"
)


RATE_LIMIT_HINT = (
    "GitHub limits how many requests one token may make per hour and how fast it may write (secondary rate "
    "limits: many writes in a short time, or many jobs using the same token at once); wait a few minutes and "
    "re-run the job, and run fewer such jobs at once. mlspec waits as GitHub asks within "
    "MLSPEC_GITHUB_DEADLINE_SECONDS (default 120)"
)
SHAPE_HINT = (
    "check that GITHUB_API_URL points at the GitHub REST API (e.g. https://api.github.com or "
    "https://HOST/api/v3); if it does, GitHub or a proxy in between answered wrongly: try again later"
)
ORIGIN_HINT = (
    "GITHUB_API_URL must be the origin GitHub's answers point at (for GitHub Enterprise Server: "
    "https://HOST/api/v3, as GitHub Actions sets it); if it is, something between mlspec and GitHub rewrote the "
    "answer: tell the GitHub administrators"
)


class GitHubPermissionError(GitHubError):
    """GitHub answered 403: the token may not do this (e.g. a fork pull request's read-only token)."""


class GitHubRateLimited(GitHubError):
    """GitHub rate limited the token and the command's deadline could not hold the wait it asked for."""


def scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _detail(exc: Any) -> str:
    message = getattr(exc, "msg", "") or ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    message = " ".join(str(message).split())[:500]
    details = []
    errors = getattr(exc, "errors", None) or []
    for item in errors if isinstance(errors, list) else [errors]:
        if isinstance(item, dict):
            details.append(
                item.get("message") or " ".join(f"{k}={item[k]}" for k in ("resource", "field", "code") if item.get(k))
            )
        else:
            details.append(str(item))
    if details:
        message = f"{message}: {'; '.join(details)}" if message else "; ".join(details)
    return message


def translate(
    exc: BaseException,
    *,
    action: str,
    repository: str,
    api_url: str,
    token: str | None,
    token_source: str,
    not_found: str | None = None,
) -> GitHubError:
    """Turn a github3/requests exception raised while doing `action` into a GitHubError."""
    import github3.exceptions as gex

    from mlspec.hosts.github.retry import DeadlineExceeded, RetryExhausted
    from mlspec.hosts.github.session import ForeignOrigin, UnexpectedAnswer

    def error(message: str, hint: str | None = None) -> GitHubError:
        return GitHubError(scrub(message, token), hint=scrub(hint, token) if hint else None)

    if isinstance(exc, gex.TransportError):
        inner = exc.exception
        if isinstance(inner, ForeignOrigin):
            return error(f"cannot {action} in {repository}: {inner}", ORIGIN_HINT)
        if isinstance(inner, UnexpectedAnswer):
            return error(f"cannot {action} in {repository}: {inner}", SHAPE_HINT)
        if isinstance(inner, RetryExhausted) and inner.rate_limited:
            return GitHubRateLimited(
                scrub(
                    f"GitHub rate limited the token while trying to {action} in {repository}: {inner.args[0]}", token
                ),
                hint=RATE_LIMIT_HINT,
            )
        if isinstance(inner, DeadlineExceeded):
            return error(
                f"GitHub at {api_url} did not answer completely within {inner.seconds:.0f} s while trying "
                f"to {action} in {repository}; gave up",
                "GitHub or the network is too slow or stalled; try again later. MLSPEC_GITHUB_DEADLINE_SECONDS "
                "bounds all GitHub requests of a command (default 120), MLSPEC_GITHUB_RETRY_MAX_SECONDS each one",
            )
        if isinstance(inner, RetryExhausted) and inner.response is None:  # nothing answered: refused, timed out
            return error(
                f"cannot reach GitHub at {api_url} to {action}: no answer ({inner.args[0]})",
                "check GITHUB_API_URL and the network: nothing accepted the connection",
            )
        if isinstance(inner, RetryExhausted):
            return error(
                f"GitHub kept failing while trying to {action} in {repository}: {inner.args[0]}",
                "GitHub may be degraded or rate limiting this token; try again later",
            )
        return error(
            f"cannot reach GitHub at {api_url} to {action}: {type(inner).__name__}: {inner}",
            "check GITHUB_API_URL and the network",
        )
    if isinstance(exc, gex.IncompleteResponse):
        missing = getattr(exc, "exception", None)
        named = f"the field {missing.args[0]!r}" if isinstance(missing, KeyError) and missing.args else "fields"
        return error(
            f"GitHub's answer while trying to {action} in {repository} lacks {named} github3.py needs",
            "check that GITHUB_API_URL points at the GitHub REST API (e.g. https://HOST/api/v3)",
        )
    if isinstance(exc, (gex.UnprocessableResponseBody, gex.UnexpectedResponse)):  # github3: no JSON / wrong JSON
        return error(
            f"cannot {action} in {repository}: GitHub's answer{_request_of(exc)} is not of the documented shape "
            f"({_kind_of(exc)})",
            SHAPE_HINT,
        )
    if isinstance(exc, gex.GitHubError):
        code = getattr(exc, "code", None)
        detail = _detail(exc)
        if code in (403, 429) and "rate limit" in detail.lower():
            return GitHubRateLimited(
                scrub(
                    f"GitHub rate limited the token while trying to {action} in {repository} ({code} {detail})", token
                ),
                hint=RATE_LIMIT_HINT,
            )
        if code == 401:
            return error(
                f"GitHub rejected the token (401 Bad credentials): check {token_source} is a valid, unexpired "
                f"token with access to {repository}"
            )
        if code == 403:
            if ACTIONS_PR_FORBIDDEN.lower() in detail.lower():
                return error(
                    f"GitHub refused to let this workflow's token {action} in {repository} "
                    f"(403 {ACTIONS_PR_FORBIDDEN})",
                    ACTIONS_PR_HINT,
                )
            return GitHubPermissionError(
                scrub(f"the token has no permission to {action} in {repository} (403 {detail})", token),
                hint=PERMISSION_HINT,
            )
        if code == 404:
            what = not_found or f"repository {repository}"
            return error(
                f"{what} not found (404) at {api_url} while trying to {action}",
                f"check GITHUB_REPOSITORY ({repository}) and that {token_source} can access it",
            )
        if code == 422:
            return error(
                f"GitHub rejected the request to {action} in {repository} (422 {detail})",
                "GitHub's reason is in parentheses: fix what it names (e.g. a branch that does not exist or was "
                "changed meanwhile) and re-run the job",
            )
        if isinstance(code, int) and code >= 500:
            return error(
                f"GitHub failed to {action} in {repository} ({code} {detail})",
                "GitHub had an internal error and kept having it through mlspec's retries; try again later",
            )
        return error(
            f"GitHub failed to {action} in {repository} ({code} {detail})",
            "check what GitHub says above; re-run the job once it is fixed",
        )
    return error(f"unexpected failure while trying to {action} in {repository}: {type(exc).__name__}: {exc}")


def _request_of(exc: Any) -> str:
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None)
    if request is None or not getattr(request, "url", None):
        return ""
    from mlspec.hosts.github.session import without_query

    return f" to {request.method} {without_query(str(request.url))}"


def _kind_of(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if body is not None:
        from mlspec.hosts.github.session import json_kind

        return f"a JSON {json_kind(body)} where GitHub documents an object"
    return "not JSON"
