"""Every deploy target mlspec knows (the one registry: a new target is its class plus one line here).

`mlspec build` and `mlspec serve` use `target_named()`: the BentoML service today, the only target, so no spec
key chooses one yet; a second target adds that key (e.g. `serve.target`) and the commands pass its value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.errors import UsageError
from mlspec.serve.bento_target import BentoServiceTarget

if TYPE_CHECKING:
    from mlspec.targets.base import DeployTarget

__all__ = ["DEFAULT", "TARGETS", "register", "target_named"]

TARGETS: dict[str, DeployTarget] = {"bentoml": BentoServiceTarget()}
DEFAULT = "bentoml"


def register(target: DeployTarget) -> None:
    TARGETS[target.name] = target


def target_named(name: str | None = None) -> DeployTarget:
    """The target called ``name``, by default DEFAULT."""
    name = name or DEFAULT
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(f"no deploy target named {name!r} (known: {', '.join(sorted(TARGETS))})") from None
