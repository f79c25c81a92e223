"""One error base class; every user-facing failure is an MlspecError with an exit code.

The CLI prints ``str(error)`` (no traceback) and exits with ``error.exit_code``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the thing checked is not OK
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_UNDECIDED = 4  # `mlspec drift`: the checks errored, so neither "drift" nor "no drift" can be said
SHOWN_LIMIT = 100


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """``repr(value)`` for messages, cut to ``limit`` characters (a 5,000-character value is not echoed)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value))} characters)"


class MlspecError(Exception):
    """A failure the user can act on. The message says what went wrong and what to do."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(MlspecError):
    exit_code = EXIT_USAGE


class SpecError(MlspecError):
    """The spec file cannot be read or is invalid (details already formatted)."""


class DataError(MlspecError):
    """Data files named by the spec are missing, unreadable or do not match the spec."""


class StageFailed(MlspecError):
    """A pipeline stage ran and its verdict is 'not OK' (tests failed, gate not passed)."""


class GitHubError(MlspecError):
    """GitHub refused or failed a request (message never contains the token)."""


class ServeError(MlspecError):
    """Building, serving or containerizing the BentoML service failed."""
