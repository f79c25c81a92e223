#!/usr/bin/env bash
# Regenerate the locked dependency set from pyproject.toml (hash-locked, every supported Python).
#   requirements/runtime.txt   what the setup action installs on a runner
#   requirements/dev.txt       runtime + dev tools: what `make setup` and CI install
#   requirements/bootstrap.txt uv alone, installed with pip to install the rest
# The weekly `newest-dependencies` job of .github/workflows/ci.yml tests what pyproject allows today.
set -euo pipefail
cd "$(dirname "$0")/.."
uv="${UV:-.venv/bin/uv}"
common=(--universal --python-version 3.10 --generate-hashes --quiet)
"$uv" pip compile pyproject.toml "${common[@]}" -o requirements/runtime.txt
"$uv" pip compile pyproject.toml --extra dev "${common[@]}" -o requirements/dev.txt
version=$(sed -n 's/^uv==\([^ ]*\) .*/\1/p' requirements/runtime.txt)
echo "uv==$version" | "$uv" pip compile - "${common[@]}" -o requirements/bootstrap.txt
