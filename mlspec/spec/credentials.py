"""The rule for `VARIABLE: SECRET_NAME` maps in the spec (data, store, serving-log and registry credentials):
which environment variables mlspec may set, from which repository secrets."""

from __future__ import annotations

import re

from mlspec.errors import shown

ENV_VAR_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"


def check_credentials(value: dict[str, str]) -> dict[str, str]:
    """``value`` when each entry is `VARIABLE: SECRET_NAME` mlspec may set from a repository secret."""
    for variable, secret in value.items():
        if not re.match(ENV_VAR_PATTERN, variable) or variable.upper().startswith(("GITHUB_", "RUNNER_", "MLSPEC_")):
            raise ValueError(
                f"{shown(variable)} is not an environment variable name mlspec may set "
                "(letters, digits, _; not GITHUB_*, RUNNER_* or MLSPEC_*)"
            )
        check_secret_name(secret)
    return value


def check_secret_name(value: str) -> str:
    """``value`` when it names a repository secret mlspec may read (GitHub reserves GITHUB_* for its own)."""
    if not re.match(ENV_VAR_PATTERN, value) or value.upper().startswith("GITHUB_"):
        raise ValueError(f"{shown(value)} is not a secret name (letters, digits, _; not GITHUB_*)")
    return value
