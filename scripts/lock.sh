#!/usr/bin/env bash
# Regenerate the locked dependency set from pyproject.toml (hash-locked, every supported Python).
#   requirements/runtime.txt   what the setup action installs on a runner
#   requirements/dev.txt       runtime + dev tools: what `make setup` and CI install
#   requirements/bootstrap.txt uv alone, installed with pip to install the rest
#   requirements/release.txt   what the release workflow checks the distributions with (twine, cyclonedx-bom),
#                              at the versions of dev.txt (so `make setup` fills the uv cache the act test reads)
# The weekly `newest-dependencies` job of .github/workflows/ci.yml tests what pyproject allows today.
set -euo pipefail
cd "$(dirname "$0")/.."
uv="${UV:-.venv/bin/uv}"
common=(--universal --python-version 3.10 --generate-hashes --quiet)
"$uv" pip compile pyproject.toml "${common[@]}" -o requirements/runtime.txt
"$uv" pip compile pyproject.toml --extra dev "${common[@]}" -o requirements/dev.txt
version=$(sed -n 's/^uv==\([^ ]*\) .*/\1/p' requirements/runtime.txt)
{ grep -E '^(twine|cyclonedx-bom)==' requirements/dev.txt | sed 's/ .*//'; } \
  | "$uv" pip compile - "${common[@]}" --constraint requirements/dev.txt -o requirements/release.txt
echo "uv==$version" | "$uv" pip compile - "${common[@]}" -o requirements/bootstrap.txt
