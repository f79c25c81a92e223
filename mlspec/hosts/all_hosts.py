"""Every code host mlspec knows (the one registry: a new host is its package or module plus one line here, and
its workflow templates). `current(environ)` is the host whose CI this process runs in, else the default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlspec.hosts.github import GitHubHost

if TYPE_CHECKING:
    from mlspec.hosts.base import CodeHost

__all__ = ["DEFAULT", "HOSTS", "current", "register"]

HOSTS: list[CodeHost] = [GitHubHost()]
DEFAULT = "github"


def register(host: CodeHost) -> None:
    """Ask ``host`` first (a host of the same name is replaced)."""
    HOSTS[:] = [host] + [h for h in HOSTS if h.name != host.name]


def current(environ: Mapping[str, str] | None = None) -> CodeHost:
    """The host whose CI this process runs in; outside any CI, the default host (GitHub)."""
    env = os.environ if environ is None else environ
    found = next((host for host in HOSTS if host.detected(env)), None)
    return found or next(host for host in HOSTS if host.name == DEFAULT)
