#!/usr/bin/env bash
# The one test command (README, .ci/run): type-check, lint, every vitest project (unit, real MLflow
# integration, emulator e2e), and a smoke run of the committed bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ -d node_modules ] || { step "npm ci"; npm ci --no-audit --no-fund; }
step "Python test bed (.cache/venv: mlflow, scikit-learn, databricks-sdk)"
bash scripts/setup-python.sh
step "Type-check"
npx tsc -p tsconfig.json --noEmit
step "Lint"
npx eslint .
step "Tests"
npx vitest run "$@"
step "Bundle smoke test (dist/ as committed)"
node dist/cli.js validate --config examples/mlflow/mlops.yml
node dist/cli.js validate --config examples/databricks/mlops.yml
