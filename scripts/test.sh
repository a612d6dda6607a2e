#!/usr/bin/env bash
# The one test command (README, .ci/run): type-check, lint, build the bundle (and, in CI, check it
# matches the committed dist/), every vitest project (unit, real MLflow integration, emulator and
# action end to end), and a smoke run of the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ -d node_modules ] || { step "npm ci"; npm ci --no-audit --no-fund; }
step "Python test bed (.cache/venv: mlflow, scikit-learn, databricks-sdk)"
bash scripts/setup-python.sh
step "JavaScript SDK test bed (test/contract-js: @databricks/sdk-experimental)"
bash scripts/setup-contract-js.sh
step "Type-check"
npx tsc -p tsconfig.json --noEmit
step "Lint"
npx eslint .
if [ "${CI:-}" = "true" ]; then
  step "Build and check dist/ against the committed bundle"
  bash scripts/check-dist.sh
else
  step "Build dist/ (npm run check-dist compares it with the committed bundle)"
  npm run --silent build
fi
step "Tests"
# The action end-to-end tests run the bundle just built, exactly as a runner does.
MLOPS_GATE_E2E_PREBUILT=1 npx vitest run "$@"
step "Bundle smoke test"
MLFLOW_TRACKING_URI=http://127.0.0.1:5000 node dist/cli.js validate --config examples/mlflow/mlops.yml
DATABRICKS_HOST_DEV=https://dev.example.test DATABRICKS_HOST_TEST=https://test.example.test DATABRICKS_HOST_PROD=https://prod.example.test \
  node dist/cli.js validate --config examples/databricks/mlops.yml
node dist/cli.js demo > /dev/null
echo "bundle smoke test: ok"
