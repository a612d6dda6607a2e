#!/usr/bin/env bash
# Creates the Python test bed (.cache/venv) from nothing: the real MLflow server and the official
# clients used by the integration and contract tests. Idempotent: pip runs only when
# test/python/requirements.txt changed since the last successful install (a stamp holds its hash).
#
# Usage: bash scripts/setup-python.sh      (PYTHON=/path/to/python3 to choose the interpreter)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.cache/venv"
requirements="$repo_root/test/python/requirements.txt"
stamp="$venv/.requirements.sha256"

say() { printf 'setup-python: %s\n' "$*" >&2; }
die() { printf 'setup-python: error: %s\n' "$*" >&2; exit 1; }

[ -f "$requirements" ] || die "missing $requirements"

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$(command -v "$candidate")"; break; fi
  done
fi
[ -n "$python" ] || die "no python3 found on PATH (set PYTHON=/path/to/python3)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$python is older than Python 3.10, which mlflow 3 needs"

if [ ! -x "$venv/bin/python" ]; then
  say "creating virtualenv at .cache/venv with $("$python" --version 2>&1)"
  mkdir -p "$repo_root/.cache"
  "$python" -m venv "$venv" || die "python -m venv failed (on Debian: apt-get install python3-venv)"
fi

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$wanted" = "$have" ] && [ -x "$venv/bin/mlflow" ]; then
  say "virtualenv up to date (requirements $(printf '%s' "$wanted" | cut -c1-12))"
  exit 0
fi

say "installing test/python/requirements.txt into .cache/venv (a few minutes the first time)"
rm -f "$stamp"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" \
  || die "pip install -r test/python/requirements.txt failed (see the pip output above)"
[ -x "$venv/bin/mlflow" ] || die "pip finished but .cache/venv/bin/mlflow is missing"
printf '%s\n' "$wanted" >"$stamp"
say "done: $("$venv/bin/mlflow" --version 2>/dev/null || echo 'mlflow installed')"
