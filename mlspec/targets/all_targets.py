"""Every deploy target mlspec knows (the one registry: a new target is its class plus one line here).

An entry is the target, or where it lives ("module:Class"), imported when it is chosen: the spec validates
`serve.target` against these names (mlspec/spec/models.py) without importing any target, and this package imports
nothing of mlspec above it. `mlspec build` and `mlspec serve` (mlspec/serve/commands.py) call
`target_named(spec.serve.target)`.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING

from mlspec.errors import UsageError

if TYPE_CHECKING:
    from mlspec.targets.base import DeployTarget

__all__ = ["DEFAULT", "TARGETS", "did_you_mean", "names", "register", "target_named"]

TARGETS: dict[str, DeployTarget | str] = {"bentoml": "mlspec.serve.bento_target:BentoServiceTarget"}
DEFAULT = "bentoml"


def register(target: DeployTarget) -> None:
    TARGETS[target.name] = target


def names() -> list[str]:
    return sorted(TARGETS)


def did_you_mean(name: str) -> str:
    """' (did you mean X?)' for the closest known target, else ''."""
    close = difflib.get_close_matches(name, names(), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def target_named(name: str | None = None) -> DeployTarget:
    """The target called ``name``, by default DEFAULT."""
    name = name or DEFAULT
    try:
        entry = TARGETS[name]
    except KeyError:
        raise UsageError(
            f"no deploy target named {name!r} (known: {', '.join(names())})",
            hint=f"set serve.target to one of them{did_you_mean(name)}",
        ) from None
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        target: DeployTarget = getattr(importlib.import_module(module), attr)()
        TARGETS[name] = entry = target
    return entry
