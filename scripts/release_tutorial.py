"""Run the README tutorial's commands (section "1. Install and scaffold") with an installed mlspec:

  python scripts/release_tutorial.py --bin VENV/bin --work DIR [--readme README.md]

The commands are read from the README itself, so the release checks what a user is told to type. The
install lines (`git clone`, `pip install`) are left out: the caller installed mlspec into VENV (the built
wheel, or the release from a package index). The rest (`mlspec init`, `run`, `render`, `gate`, `report`,
`promote --dry-run`, and the git commands between them) runs in DIR with VENV/bin first on the PATH, and
fails on the first command that fails. Exit 0 when all succeed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "### 1. Install and scaffold"
REQUIRED = ("mlspec init", "mlspec run", "mlspec render", "mlspec gate", "mlspec report", "mlspec promote")


def tutorial_commands(readme: str) -> list[str]:
    """The first sh block of the tutorial's first section, without comments and install lines."""
    if SECTION not in readme:
        raise ValueError(f"README: no section {SECTION!r}")
    block = re.search(r"```sh\n(.*?)```", readme[readme.index(SECTION) :], re.S)
    if block is None:
        raise ValueError(f"README: no sh block under {SECTION!r}")
    commands = []
    for line in block.group(1).splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith(("git clone", "pip install")):
            commands.append(command)
    missing = [name for name in REQUIRED if not any(c.startswith(name) for c in commands)]
    if missing:
        raise ValueError(f"README: the tutorial no longer runs {', '.join(missing)}")
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release_tutorial.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", type=Path, required=True, help="the bin folder of the venv mlspec is installed in")
    parser.add_argument("--work", type=Path, required=True, help="an empty folder to run the tutorial in")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    try:
        commands = tutorial_commands(args.readme.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"release_tutorial.py: {error}", file=sys.stderr)
        return 1
    bin_dir = args.bin.resolve()
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    found = shutil.which("mlspec", path=path)
    if found is None or Path(found).parent != bin_dir:
        print(f"release_tutorial.py: no mlspec in {bin_dir}", file=sys.stderr)
        return 1
    args.work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLSPEC_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(
        PATH=path,
        GIT_AUTHOR_NAME="mlspec release",
        GIT_AUTHOR_EMAIL="release@mlspec.invalid",
        GIT_COMMITTER_NAME="mlspec release",
        GIT_COMMITTER_EMAIL="release@mlspec.invalid",
        MPLBACKEND="Agg",
    )
    script = "set -euo pipefail\nmlspec --version\n" + "".join(
        f"echo {shlex.quote('$ ' + command)}\n{command}\n" for command in commands
    )
    done = subprocess.run(["bash", "-c", script], cwd=args.work, env=env)
    if done.returncode != 0:
        print(
            f"release_tutorial.py: the README tutorial failed (exit {done.returncode}) in {args.work}", file=sys.stderr
        )
        return 1
    print(f"the README tutorial ran: {len(commands)} commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
