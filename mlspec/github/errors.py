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


class GitHubPermissionError(GitHubError):
    """GitHub answered 403: the token may not do this (e.g. a fork pull request's read-only token)."""


def scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _detail(exc: Any) -> str:
    message = str(getattr(exc, "msg", "") or "").strip()
    details = []
    for item in getattr(exc, "errors", None) or []:
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

    from mlspec.github.retry import DeadlineExceeded, RetryExhausted

    def error(message: str, hint: str | None = None) -> GitHubError:
        return GitHubError(scrub(message, token), hint=scrub(hint, token) if hint else None)

    if isinstance(exc, gex.TransportError):
        inner = exc.exception
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
        return error(
            f"GitHub's answer while trying to {action} lacks fields github3.py needs: {exc}",
            "check that GITHUB_API_URL points at the GitHub REST API (e.g. https://HOST/api/v3)",
        )
    if isinstance(exc, gex.GitHubError):
        code = exc.code
        detail = _detail(exc)
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
            return error(f"GitHub rejected the request to {action} in {repository} (422 {detail})")
        return error(f"GitHub failed to {action} in {repository} ({code} {detail})")
    return error(f"unexpected failure while trying to {action} in {repository}: {type(exc).__name__}: {exc}")
