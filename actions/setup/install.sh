#!/usr/bin/env bash
# Install mlspec with its locked dependency set into a virtual environment.
#
#   install.sh VENV LOCK [--editable] [--package SPEC [--index-url URL]]
#
# The one install path for `make setup` (dev lock, editable) and the setup action (runtime lock,
# into a private venv under $RUNNER_TEMP): uv, itself hash-locked in requirements/bootstrap.txt,
# installs exactly the hashes in LOCK, then mlspec from this checkout (the commit `uses:` names)
# without resolving anything by name. --package SPEC installs SPEC instead of this checkout
# (ci.mlspec_package, for teams that mirror packages), from the index URL when given (only SPEC is fetched
# from it: the locked set comes from uv's default index or cache, and UV_OFFLINE, which keeps the locked set
# offline, does not stop the one fetch from the index named here).
set -euo pipefail

venv=$1
lock=$2
shift 2
editable=false
package=""
index=""
while [ $# -gt 0 ]; do
  case "$1" in
    --editable) editable=true ;;
    --package) package=$2; shift ;;
    --index-url) index=$2; shift ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r "$root/requirements/bootstrap.txt"
uv=("$venv/bin/uv" pip install --python "$venv/bin/python")
"${uv[@]}" --require-hashes -r "$lock"
if [ -n "$package" ] && [ -n "$index" ]; then
  env -u UV_OFFLINE "${uv[@]}" --index-url "$index" "$package"
elif [ -n "$package" ]; then
  "${uv[@]}" "$package"
elif [ "$editable" = true ]; then
  "${uv[@]}" --no-deps --editable "$root"
  # A development environment starts hundreds of interpreters (the tests' `mlspec` processes, deepchecks' check
  # processes): compile every module's bytecode once here. uv writes none, and where PYTHONDONTWRITEBYTECODE is
  # set no interpreter writes it either, so each one compiled pandas, scikit-learn and mlspec from source again
  # (importing pandas, scikit-learn and mlspec's CLI: 3.5 s of CPU without bytecode, 1.1 s with it).
  purelib="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  "$venv/bin/python" -m compileall -q -j 0 "$purelib" "$root/mlspec" >/dev/null
else
  # Build a wheel of this checkout and install that file: uv could otherwise reuse a wheel it
  # built earlier from another commit of the same folder.
  wheels="$(mktemp -d)"
  "$venv/bin/uv" build --quiet --wheel --out-dir "$wheels" "$root"
  "${uv[@]}" --no-deps --reinstall "$wheels"/*.whl
  rm -rf "$wheels"
fi
"$venv/bin/python" -c 'import mlspec, mlspec.source_commit as s; print("mlspec", mlspec.__version__, "commit", s.source_commit() or "unknown")'
