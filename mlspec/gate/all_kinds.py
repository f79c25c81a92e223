"""Every gate kind mlspec knows, in the order their rows appear under each spec gate (the one registry:
a new kind is its class, in its own module, plus one line here). evaluate.py asks `kinds_of(gate)`;
decision.py asks which gates read a champion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.gate.absolute import AbsoluteKind
from mlspec.gate.delta import DeltaKind

if TYPE_CHECKING:
    from mlspec.gate.kind_base import GateKind
    from mlspec.spec.models import Gate

__all__ = ["KINDS", "kinds_of", "needs_champion", "register"]

KINDS: list[GateKind] = [AbsoluteKind(), DeltaKind()]


def register(kind: GateKind) -> None:
    """Add ``kind`` after the built-in ones (a kind of the same name is replaced)."""
    KINDS[:] = [k for k in KINDS if k.name != kind.name] + [kind]


def kinds_of(gate: Gate) -> list[GateKind]:
    """The kinds with a bound on ``gate``: one gate table row each."""
    return [kind for kind in KINDS if kind.applies(gate)]


def needs_champion(gate: Gate) -> bool:
    """Whether evaluating ``gate`` reads a champion (its environment's deploy file)."""
    return any(kind.needs_champion for kind in kinds_of(gate))
