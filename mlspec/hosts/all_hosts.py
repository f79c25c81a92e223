"""Every code host mlspec knows (the one registry). A host is a package of mlspec/hosts/ whose `__init__.py` names
its `CodeHost` instance `HOST` (GitHub: mlspec/hosts/github/), with its workflow templates: adding that package is
all a new host takes, the registry finds it. `current(environ)` is the host whose CI this process runs in, else the
default; `register` puts a host first (a host of the same name is replaced), for hosts that live elsewhere."""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlspec.hosts.base import CodeHost

__all__ = ["DEFAULT", "HOSTS", "current", "discovered", "register"]

DEFAULT = "github"


def discovered(folder: Path = Path(__file__).parent, package: str = "mlspec.hosts") -> list[CodeHost]:
    """The `HOST` of every package in ``folder`` (the package ``package``: mlspec/hosts/), in name order. Importing
    a host package must stay cheap (GitHub's imports no API library)."""
    found: list[CodeHost] = []
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda i: i.name):
        if info.ispkg:
            host = getattr(importlib.import_module(f"{package}.{info.name}"), "HOST", None)
            if host is not None:
                found.append(host)
    return found


HOSTS: list[CodeHost] = discovered()


def register(host: CodeHost) -> None:
    """Ask ``host`` first (a host of the same name is replaced)."""
    HOSTS[:] = [host] + [h for h in HOSTS if h.name != host.name]


def current(environ: Mapping[str, str] | None = None) -> CodeHost:
    """The host whose CI this process runs in; outside any CI, the default host (GitHub)."""
    env = os.environ if environ is None else environ
    found = next((host for host in HOSTS if host.detected(env)), None)
    return found or next(host for host in HOSTS if host.name == DEFAULT)
