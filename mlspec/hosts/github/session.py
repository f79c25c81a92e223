"""The one HTTP session every GitHub request of a command goes through (github3.py's, subclassed).

It binds the token to one origin and checks the shape of every answer before github3.py reads it:

- **The token stays home.** The origin (scheme, host, port) of ``GITHUB_API_URL`` is the only one mlspec
  sends a request to on its own: github3.py follows the urls inside GitHub's answers (``url``,
  ``comments_url``, ``Link: rel="next"``), and one naming another origin is refused (``ForeignOrigin``)
  before anything is sent. A *redirect* the API origin answers with (GitHub sends artifact and archive
  downloads to short-lived blob storage URLs with a 302) is followed for GET only, and without the
  ``Authorization`` header on every hop whose origin is not the API's, even when a later hop comes back.
  Only a download (a request for a non-JSON media type, e.g. ``Accept: application/octet-stream``) may be
  answered from elsewhere: an API (JSON) answer from another origin is refused unread, so no forged
  answer can make mlspec write to something it does not own.
- **Documented shapes only.** A successful answer from the API origin must be JSON of the documented
  top-level type (an array for the list endpoints mlspec calls, an object otherwise); anything else raises
  ``UnexpectedAnswer`` naming the request, so github3.py never parses it.
- **Nullable authors.** GitHub documents ``user`` of issues, pull requests and comments as nullable (a
  deleted account; GitHub shows it as "ghost"); github3.py cannot read ``null`` there, so an answer's null
  ``user`` becomes a placeholder account with an empty login, which matches no token's identity: such an
  item is never mlspec's.
- ``last_request`` names the latest request (method and URL without its query) for error messages.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from github3.session import GitHubSession

CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_METHODS = frozenset({"GET", "HEAD"})
REDIRECT_MARK = "_mlspec_redirect_hop"
# Endpoints (after /repos/{owner}/{repo}) whose documented answer is a JSON array; every other JSON
# answer of the API is an object (a directory's contents are an array too, but mlspec reads files only).
ARRAY_ANSWERS = (
    ("GET", re.compile(r"/pulls/?$")),
    ("GET", re.compile(r"/issues/[0-9]+/comments/?$")),
    ("GET", re.compile(r"/issues/[0-9]+/labels/?$")),
    ("POST", re.compile(r"/issues/[0-9]+/labels/?$")),
    ("PUT", re.compile(r"/issues/[0-9]+/labels/?$")),
)
GHOST_USER: dict[str, Any] = {
    "login": "",
    "id": 0,
    "node_id": "",
    "avatar_url": "",
    "gravatar_id": "",
    "url": "",
    "html_url": "",
    "followers_url": "",
    "following_url": "",
    "gists_url": "",
    "starred_url": "",
    "subscriptions_url": "",
    "organizations_url": "",
    "repos_url": "",
    "events_url": "",
    "received_events_url": "",
    "type": "User",
    "site_admin": False,
}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in; host lowercased."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is no number: an origin of its own, equal to no other
        return scheme, f"{parts.hostname or ''}:{parts.netloc}", -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else DEFAULT_PORTS.get(scheme)


def show_origin(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != DEFAULT_PORTS.get(scheme) else "")


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class ForeignOrigin(requests.exceptions.RequestException):
    """A request to an origin other than GITHUB_API_URL's, refused before anything was sent."""

    def __init__(self, method: str, url: str, api_url: str) -> None:
        super().__init__(
            f"GitHub's answer pointed mlspec at {show_origin(url)} ({method} {without_query(url)}), which is not "
            f"the origin of GITHUB_API_URL ({show_origin(api_url)}); mlspec sends requests with the token only "
            "there and refused"
        )
        self.url = url


class UnexpectedAnswer(requests.exceptions.RequestException):
    """A successful answer of a shape other than GitHub documents for the request."""

    def __init__(self, request: str, what: str) -> None:
        super().__init__(f"GitHub's answer to {request} {what}")
        self.request_name = request


class GuardedSession(GitHubSession):  # type: ignore[misc]  # github3.py ships no types
    """github3.py's session bound to the origin of ``api_url`` (see the module docstring)."""

    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.api_url = api_url.rstrip("/")
        self.base_url = self.api_url
        self.origin = origin(self.api_url)
        self.last_request = f"GET {self.api_url}"

    def is_home(self, url: str) -> bool:
        return origin(url) == self.origin

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        verb = (method.decode() if isinstance(method, bytes) else method).upper()
        target = url.decode() if isinstance(url, bytes) else url
        self.last_request = f"{verb} {without_query(target)}"
        if not self.is_home(target):
            raise ForeignOrigin(verb, target, self.api_url)
        response: requests.Response = super().request(method, url, *args, **kwargs)
        self._check_answer(verb, response)
        return response

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        """A redirect hop: never carries credentials off the API origin, whatever requests would keep."""
        super().rebuild_auth(prepared_request, response)
        setattr(prepared_request, REDIRECT_MARK, True)  # noqa: B010 - PreparedRequest has no such field

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Every hop passes here: a hop off the API origin is a redirect of a GET, sent without credentials."""
        url = str(request.url or "")
        if not self.is_home(url):
            method = str(request.method or "GET").upper()
            if not getattr(request, REDIRECT_MARK, False) or method not in REDIRECT_METHODS:
                raise ForeignOrigin(method, url, self.api_url)
            for header in CREDENTIAL_HEADERS:  # and the next hop, copied from this one, has none either
                request.headers.pop(header, None)
        response: requests.Response = super().send(request, **kwargs)
        return response

    # answers -----------------------------------------------------------------------------------------
    def _expects_array(self, method: str, url: str) -> bool:
        path = urlsplit(url).path
        return any(method == verb and pattern.search(path) for verb, pattern in ARRAY_ANSWERS)

    def _check_answer(self, method: str, response: requests.Response) -> None:
        name = self.last_request
        if "json" not in str(response.request.headers.get("Accept", "json")):
            return  # a download (a raw media type), wherever GitHub's redirect led
        if not self.is_home(response.url or self.api_url):  # an API answer from elsewhere is no GitHub answer
            raise UnexpectedAnswer(
                name,
                f"came from {show_origin(response.url)} after a redirect; mlspec reads API answers only from "
                f"{show_origin(self.api_url)}",
            )
        if not (200 <= response.status_code < 300) or not response.content or response.status_code == 204:
            return  # errors are github3's (error_for)
        kind = response.headers.get("Content-Type", "")
        try:
            body = json.loads(response.content)
        except ValueError:
            raise UnexpectedAnswer(
                name, f"is not JSON (HTTP {response.status_code}, {kind or 'no Content-Type'})"
            ) from None
        wanted = list if self._expects_array(method, response.url or "") else dict
        if not isinstance(body, wanted):
            raise UnexpectedAnswer(
                name,
                f"is a JSON {json_kind(body)} where GitHub documents {'an array' if wanted is list else 'an object'}",
            )
        if _fill_null_users(body):
            response._content = json.dumps(body).encode("utf-8")


def json_kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _fill_null_users(body: Any) -> bool:
    """Replace a documented-nullable ``user: null`` (item, or an item of an array) by GHOST_USER."""
    changed = False
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and "user" in item and item["user"] is None:
            item["user"] = dict(GHOST_USER)
            changed = True
    return changed
