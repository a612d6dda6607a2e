#!/usr/bin/env bash
# Installs the official Databricks SDK for JavaScript (@databricks/sdk-experimental, pinned in
# test/contract-js/package.json + package-lock.json) into test/contract-js/node_modules for the
# contract suite (test/e2e/emulator/contract-js.test.ts). Dev-only, never bundled, kept out of the
# root `npm ci`. Idempotent: npm runs only when the lockfile changed since the last install.
#
# Usage: bash scripts/setup-contract-js.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$repo_root/test/contract-js"
lock="$dir/package-lock.json"
stamp="$dir/node_modules/.lock.sha256"

say() { printf 'setup-contract-js: %s\n' "$*" >&2; }
die() { printf 'setup-contract-js: error: %s\n' "$*" >&2; exit 1; }

[ -f "$lock" ] || die "missing $lock"
wanted="$(sha256sum "$lock" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$wanted" = "$have" ] && [ -f "$dir/node_modules/@databricks/sdk-experimental/package.json" ]; then
  say "test/contract-js up to date (lockfile $(printf '%s' "$wanted" | cut -c1-12))"
  exit 0
fi

say "installing @databricks/sdk-experimental into test/contract-js (npm ci)"
# The SDK declares node >=22 but runs on Node 20 (docs/fidelity.md); npm's EBADENGINE warning is expected.
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || die "npm ci in test/contract-js failed (see npm's output above)"
[ -f "$dir/node_modules/@databricks/sdk-experimental/package.json" ] || die "npm ci finished but the SDK is missing"
printf '%s\n' "$wanted" >"$stamp"
say "done: @databricks/sdk-experimental $(node -p "require('$dir/node_modules/@databricks/sdk-experimental/package.json').version")"
