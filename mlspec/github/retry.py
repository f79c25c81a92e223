"""Retries for GitHub requests: a requests HTTPAdapter that re-sends on 5xx, connection errors
and secondary rate limits, with exponential backoff and full jitter, bounded in count and time.

Why an adapter: github3.py sends every request through one requests.Session, so mounting this
adapter retries every call (including POSTs, whose replays GitHub answers idempotently or with a
422 the caller handles, e.g. "A pull request already exists").

Deadlines: socket timeouts bound each read, not a whole answer, so a server that trickles one byte at a
time could hold a request forever. Each attempt therefore runs in a worker thread that reads the whole
answer; the caller waits at most until the request's budget (``max_seconds``) or the connection's overall
deadline, whichever comes first, then closes the connection and raises DeadlineExceeded.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # retries after the first try
    base_seconds: float = 1.0
    max_seconds: float = 60.0  # total time budget of one request including waits
    max_wait_seconds: float = 30.0  # no single wait is longer

    def backoff(self, retry: int) -> float:
        """Full jitter: uniform in [0, base * 2**retry], at most max_wait."""
        return random.uniform(0, min(self.max_wait_seconds, self.base_seconds * (2**retry)))


class RetryExhausted(requests.exceptions.RequestException):
    """Raised when the last response was still retryable; carries it for the error message."""

    def __init__(self, message: str, response: requests.Response | None = None, attempts: int = 0) -> None:
        super().__init__(message, response=response)
        self.attempts = attempts


class DeadlineExceeded(requests.exceptions.RequestException):
    """No complete answer before the deadline (never retried: the time is used up)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:.0f} s")
        self.seconds = seconds


def rate_limit_wait(response: requests.Response, now: float | None = None) -> float | None:
    """Seconds to wait for a (secondary) rate limit, or None when the response is no rate limit."""
    if response.status_code not in (403, 429):
        return None
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(retry_after) if retry_after else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - (now or time.time()))
    if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(response.headers["x-ratelimit-reset"]) - (now or time.time()))
        except ValueError:
            return None
    if response.status_code == 429:
        return 0.0  # rate limited without a hint: plain backoff
    return None


class RetryingAdapter(HTTPAdapter):
    def __init__(self, policy: RetryPolicy, deadline: float | None = None, **kwargs: Any) -> None:
        """``deadline``: time.monotonic() after which no request of this adapter may still run."""
        self.policy = policy
        self.deadline = deadline
        super().__init__(**kwargs)

    def _stop(self, started: float) -> float:
        stop = started + self.policy.max_seconds
        return stop if self.deadline is None else min(stop, self.deadline)

    def _attempt(self, request: requests.PreparedRequest, started: float, stop: float,
                 **kwargs: Any) -> requests.Response:
        """One request, its whole answer read, by ``stop`` at the latest."""
        remaining = stop - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded(stop - started)
        kwargs["timeout"] = _bounded_timeout(kwargs.get("timeout"), remaining)
        kwargs["stream"] = True
        outcome: dict[str, Any] = {}
        worker = threading.Thread(target=self._fetch, args=(request, kwargs, outcome), daemon=True,
                                  name="github-request")
        worker.start()
        worker.join(max(0.0, stop - time.monotonic()))
        if worker.is_alive():
            response = outcome.get("response")
            if response is not None:
                response.close()  # unblocks the worker's read
            raise DeadlineExceeded(stop - started)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

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
            response._content_consumed = True
            response.raw.release_conn()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        policy = self.policy
        started = time.monotonic()
        stop = self._stop(started)
        retry = 0
        while True:
            try:
                response = self._attempt(request, started, stop, **kwargs)
                error: Exception | None = None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                response, error = None, exc
            if response is not None:
                limit = rate_limit_wait(response)
                if response.status_code not in RETRY_STATUSES and limit is None:
                    return response
                wait = policy.backoff(retry) if limit is None or limit == 0 else limit + random.uniform(0, policy.base_seconds)
            else:
                wait = policy.backoff(retry)
            elapsed = time.monotonic() - started
            if retry >= policy.attempts or elapsed + wait > policy.max_seconds or started + elapsed + wait > stop:
                what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
                if response is not None and limit is not None and elapsed + wait > policy.max_seconds:
                    reason = f"rate limited ({what}); GitHub asks to wait {limit:.0f} s, more than the {policy.max_seconds:.0f} s budget"
                else:
                    reason = f"{what} after {retry + 1} attempts in {elapsed:.1f} s"
                raise RetryExhausted(reason, response=response, attempts=retry + 1)
            if response is not None:
                response.close()
            time.sleep(wait)
            retry += 1


def _bounded_timeout(timeout: Any, remaining: float) -> tuple[float, float]:
    """(connect, read) socket timeouts no longer than the time left."""
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return (min(connect or remaining, remaining), min(read or remaining, remaining))
