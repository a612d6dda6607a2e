#!/usr/bin/env bash
# dist/ is committed: rebuild it and fail when it differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is stale: run 'npm run build' and commit dist/." >&2
  git status --short -- dist >&2
  git --no-pager diff --stat -- dist >&2 || true
  exit 1
fi
echo "dist/ matches the sources."
