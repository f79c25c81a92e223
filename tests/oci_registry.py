"""The OCI registry of the tests (scripts/oci-registry.sh), shared by every xdist worker and stopped only at the
end of the session (tests/shared_daemons.py): the act group's delivery test pushes and pulls while the serve
group's tests run."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import ROOT


def registry_address() -> str:
    """`127.0.0.1:PORT` of the running registry, started when none is; the test is skipped, with the reason, when
    the script cannot start one."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "oci-registry.sh")], capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        pytest.skip(f"no OCI registry: scripts/oci-registry.sh failed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip().splitlines()[-1]
