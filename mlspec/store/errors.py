"""Errors of the model store: each one says which object and what to do."""

from __future__ import annotations

from mlspec.errors import MlspecError


class StoreError(MlspecError):
    """The store cannot be reached, or an object in it is missing."""


class IntegrityError(StoreError):
    """An object's content does not match the sha256 it is stored (or named) under: refused."""
