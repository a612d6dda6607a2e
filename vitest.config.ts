import { defineConfig } from 'vitest/config';
import { PRODUCT_STRICT } from './test/support/strict.js';

// Three layers (see ARCHITECTURE.md "Tests, in layers"). Each project is runnable alone:
//   npx vitest run --project unit
//
// The product suites that talk to the Databricks emulator run twice: `e2e` with the emulator's
// default readings and `e2e-strict` with every strict reading the product is held to
// (test/support/strict.ts, docs/emulator.md "Strict mode"). The emulator takes its strictness from
// MLOPS_GATE_EMULATOR_STRICT when a test does not pass one.
const STRICT_SUITES = [
  'test/e2e/uc-promotion.test.ts',
  'test/e2e/uc-promotion-mlflow.test.ts',
  'test/e2e/promote/**/*.test.ts',
  'test/e2e/rollout/**/*.test.ts',
  'test/e2e/platform/**/*.test.ts',
  'test/e2e/plan/uc-faults.test.ts',
  'test/e2e/plan/live-gates.test.ts',
];

export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          env: { MLOPS_GATE_EMULATOR_STRICT: 'none' },
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e-strict',
          include: STRICT_SUITES,
          env: { MLOPS_GATE_EMULATOR_STRICT: PRODUCT_STRICT.join(',') },
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
