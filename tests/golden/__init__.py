"""Golden workflow files of the breast-cancer example, compared byte for byte by
tests/render/test_golden.py. Update them only with `python -m tests.golden --update` (`make golden`)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import EXAMPLES

GOLDEN = Path(__file__).resolve().parent / "breast-cancer"
EXAMPLE = EXAMPLES / "breast-cancer"


def rendered() -> dict[str, str]:
    """What the example's spec renders to, with the example folder as the repository root."""
    from mlspec.render.commands import plan_targets

    (target,) = plan_targets([str(EXAMPLE / "mlproject.yaml")], None, str(EXAMPLE))
    return {name: file.text for name, file in sorted(target.files.items())}


def stored() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.yml"))}
