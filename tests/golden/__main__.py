"""`python -m tests.golden --update` rewrites the golden files; without --update it only compares."""

from __future__ import annotations

import argparse
import os
import sys

from mlspec.fsio import atomic_write_text
from tests.golden import GOLDEN, rendered, stored
from tests.helpers import SOURCE_COMMIT


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = parser.parse_args()
    os.environ["MLSPEC_SOURCE_COMMIT"] = SOURCE_COMMIT  # as the tests render them
    new, old = rendered(), stored()
    if not args.update:
        differ = sorted(set(new) ^ set(old) | {n for n in new if old.get(n) != new[n]})
        print("golden files up to date" if not differ else f"golden files differ: {', '.join(differ)}")
        return 1 if differ else 0
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in set(old) - set(new):
        (GOLDEN / name).unlink()
        print(f"removed {name}")
    for name, text in new.items():
        if old.get(name) != text:
            atomic_write_text(GOLDEN / name, text)
            print(f"updated {GOLDEN.name}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
