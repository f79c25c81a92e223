"""Retries for GitHub requests: a requests HTTPAdapter that re-sends on 5xx, connection errors and
rate limits, bounded in count and time.

The policy is urllib3's ``Retry`` (which statuses, how many attempts, exponential backoff with jitter,
Retry-After in seconds or as a date); this module adds only what urllib3 does not know: GitHub's primary
rate limit (403/429 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``), its secondary rate limits,
a time budget per request, and a deadline for the whole answer.

Secondary rate limits (GitHub's REST docs, "Rate limits for the REST API" / "Best practices"): a 403 or 429 whose
message says "You have exceeded a secondary rate limit", with or without ``retry-after``, and without
``x-ratelimit-remaining: 0``. GitHub asks to wait ``retry-after`` seconds when given, else until
``x-ratelimit-reset`` when the primary limit is used up, else at least one minute, exponentially longer each
time. Those waits are bounded by the command's deadline (not by one request's budget); when the deadline
cannot hold the wait, the request fails saying "rate limited".

Why an adapter: github3.py sends every request through one requests.Session, so mounting this
adapter retries every call (including POSTs, whose replays GitHub answers idempotently or with a
422 the caller handles, e.g. "A pull request already exists").

Deadlines: socket timeouts bound each read, not a whole answer, so a server that trickles one byte at a
time could hold a request forever. Each attempt therefore runs in a worker thread that reads the whole
answer; the caller waits at most until the request's budget (``max_seconds``) or the connection's overall
deadline, whichever comes first, then closes the connection and raises DeadlineExceeded.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # retries after the first try
    base_seconds: float = 1.0
    max_seconds: float = 60.0  # total time budget of one request including waits
    max_wait_seconds: float = 30.0  # no single wait is longer
    secondary_seconds: float = 60.0  # first wait for a secondary rate limit without retry-after (GitHub: >= 1 min)

    def retry(self) -> Retry:
        """urllib3's Retry for one request: every method, the statuses above, backoff
        ``base * 2**(retry - 1)`` capped at ``max_wait`` plus up to ``base`` of jitter."""
        return Retry(
            total=self.attempts,
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.base_seconds,
            backoff_max=self.max_wait_seconds,
            backoff_jitter=self.base_seconds,
            respect_retry_after_header=True,
            raise_on_status=False,
            redirect=False,
        )


class RetryExhausted(requests.exceptions.RequestException):
    """Raised when the last response was still retryable; carries it for the error message."""

    def __init__(
        self, message: str, response: requests.Response | None = None, attempts: int = 0, rate_limited: bool = False
    ) -> None:
        super().__init__(message, response=response)
        self.attempts = attempts
        self.rate_limited = rate_limited


class DeadlineExceeded(requests.exceptions.RequestException):
    """No complete answer before the deadline (never retried: the time is used up)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:.0f} s")
        self.seconds = seconds


SECONDARY_LIMIT = "secondary rate limit"


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] if response.content else ""
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def is_secondary_rate_limit(response: requests.Response) -> bool:
    """GitHub's secondary rate limit: 403/429 whose message says so (its headers alone look like a 403)."""
    return response.status_code in (403, 429) and SECONDARY_LIMIT in _message(response).lower()


def rate_limit_wait(response: requests.Response, now: float | None = None) -> float | None:
    """Seconds to wait for a (secondary) rate limit, or None when the response is no rate limit."""
    if response.status_code not in (403, 429):
        return None
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))  # seconds (fractions too: urllib3 takes whole seconds only)
        except ValueError:
            pass
        try:
            return Retry().parse_retry_after(retry_after)  # an HTTP date
        except InvalidHeader:
            pass
    if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(response.headers["x-ratelimit-reset"]) - (now or time.time()))
        except ValueError:
            return None
    if response.status_code == 429 and not is_secondary_rate_limit(response):
        return 0.0  # rate limited without a hint: plain backoff (a secondary limit: the caller's minute)
    return None


class RetryingAdapter(HTTPAdapter):
    def __init__(
        self, policy: RetryPolicy, deadline: float | None = None, deadline_seconds: float = 0.0, **kwargs: Any
    ) -> None:
        """``deadline``: time.monotonic() after which no request of this adapter may still run, ``deadline_seconds``
        after the command's start."""
        self.policy = policy
        self.deadline = deadline
        self.deadline_seconds = deadline_seconds
        super().__init__(**kwargs)

    def _stop(self, started: float) -> float:
        stop = started + self.policy.max_seconds
        return stop if self.deadline is None else min(stop, self.deadline)

    def _attempt(
        self, request: requests.PreparedRequest, started: float, stop: float, **kwargs: Any
    ) -> requests.Response:
        """One request, its whole answer read, by ``stop`` at the latest."""
        remaining = stop - time.monotonic()
        if remaining <= 0:  # the command's deadline was used up by earlier requests, or this one's budget
            raise DeadlineExceeded(self.deadline_seconds if stop == self.deadline else stop - started)
        kwargs["timeout"] = _bounded_timeout(kwargs.get("timeout"), remaining)
        kwargs["stream"] = True
        outcome: dict[str, Any] = {}
        worker = threading.Thread(
            target=self._fetch, args=(request, kwargs, outcome), daemon=True, name="github-request"
        )
        worker.start()
        worker.join(max(0.0, stop - time.monotonic()))
        if worker.is_alive():
            response = outcome.get("response")
            if response is not None:
                response.close()  # unblocks the worker's read
            raise DeadlineExceeded(self.deadline_seconds if stop == self.deadline else stop - started)
        if "error" in outcome:
            raise outcome["error"]
        answer: requests.Response = outcome["response"]
        return answer

    def _fetch(self, request: requests.PreparedRequest, kwargs: dict[str, Any], outcome: dict[str, Any]) -> None:
        try:
            response = super().send(request, **kwargs)
            outcome["response"] = response
            chunks = []
            while True:
                chunk = response.raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
            response._content = b"".join(chunks)
            response._content_consumed = True  # type: ignore[attr-defined]  # requests' private flag, absent from types-requests
            response.raw.release_conn()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    # HTTPAdapter.send names stream, timeout, verify, cert and proxies; this takes them as **kwargs and passes them on
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        policy = self.policy
        retry = policy.retry()
        started = time.monotonic()
        stop = self._stop(started)
        method = str(request.method or "GET")
        secondary = 0  # secondary rate limits answered so far: each wait doubles
        rate_limited = False
        while True:
            try:
                response = self._attempt(request, started, stop, **kwargs)
                error: Exception | None = None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                response, error = None, exc
            limit = None
            if response is not None:
                limit = rate_limit_wait(response)
                if limit is None and is_secondary_rate_limit(response):
                    limit = policy.secondary_seconds * 2**secondary
                if limit is not None and response.status_code in (403, 429):
                    secondary += is_secondary_rate_limit(response)
                    rate_limited = True
                if limit is None and not retry.is_retry(method, response.status_code):
                    return response
            attempts = len(retry.history) + 1
            try:
                retry = retry.increment(method, request.url, response=response.raw if response is not None else None)
                exhausted = False
            except MaxRetryError:
                exhausted = True
            wait = (
                0.0
                if exhausted
                else retry.get_backoff_time()
                if not limit
                else limit + random.uniform(0, policy.base_seconds)
            )
            elapsed = time.monotonic() - started
            # a rate limit's wait is GitHub's to ask: bounded by the command's deadline, not one request's budget
            budget = self.deadline if rate_limited and self.deadline is not None else stop
            over = started + elapsed + wait > budget or (not rate_limited and elapsed + wait > policy.max_seconds)
            if exhausted or over:
                what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
                if response is not None and rate_limited:
                    kind = "secondary rate limit" if secondary else "rate limit"
                    left = max(0.0, budget - started - elapsed)
                    reason = (
                        f"{what} (GitHub's {kind}) after {attempts} attempts in {elapsed:.0f} s; "
                        + (f"GitHub asks to wait {limit:.0f} s more, " if limit else "")
                        + f"{left:.0f} s were left before the deadline"
                    )
                else:
                    reason = f"{what} after {attempts} attempts in {elapsed:.1f} s"
                raise RetryExhausted(reason, response=response, attempts=attempts, rate_limited=rate_limited)
            if rate_limited:  # after GitHub's wait, the request has its budget again (within the deadline)
                stop = min(budget, time.monotonic() + wait + policy.max_seconds)
            if response is not None:
                response.close()
            time.sleep(wait)


def _bounded_timeout(timeout: Any, remaining: float) -> tuple[float, float]:
    """(connect, read) socket timeouts no longer than the time left."""
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return (min(connect or remaining, remaining), min(read or remaining, remaining))
