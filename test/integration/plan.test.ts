// `mlops-gate plan --format json` end to end against the seeded MLflow server: the full result per
// scenario (verdict and every gate with its measured values), and the request count of the plan.

import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { TargetReport } from '../../src/result/types.js';
import type { SeedRef } from '../support/mlflow-server.js';
import { minimalBatchedRequestCount, minimalRequestCount, runPlan } from './helpers.js';
import type { GateReport } from '../../src/policy/types.js';

const url = inject('mlflowUrl');
const manifest = inject('mlflowManifest');

const versionOf = (ref: SeedRef) => manifest.models[ref.name]!.versions[ref.version]!;
const runOf = (ref: SeedRef) => {
  const runId = versionOf(ref).run_id;
  return { runId, ...manifest.runs[runId]! };
};

const METRIC_DELTA_THRESHOLD = {
  greater_is_better: true,
  min_absolute_change: 0,
  min_relative_change: null,
  max_regression_absolute: null,
  max_regression_relative: null,
  relative_base: 'champion',
  on_missing_baseline: 'pass',
};
const PROVENANCE_THRESHOLD = { require_run: true, require_finished_run: true, require_git_commit: true, commit_in_repo: false };
const SIGNATURE_THRESHOLD = { require_inputs: true, require_outputs: true, compatible_with: 'champion' };

type ExpectedGate = Pick<GateReport, 'id' | 'outcome' | 'measured' | 'threshold'>;

/** Every gate of the `gate` policy, with the values the seed manifest says it must have measured. */
const expectedGates = (scenarioId: string): ExpectedGate[] => {
  const s = manifest.scenarios[scenarioId]!;
  const run = runOf(s.candidate);
  const version = versionOf(s.candidate);
  const { roc_auc: auc, latency_p95_ms: latency } = run.metrics;
  const champion = s.champion ? runOf(s.champion) : null;
  const championAuc = champion?.metrics.roc_auc ?? null;

  const delta: ExpectedGate =
    championAuc === null
      ? {
          id: 'gate/roc_auc_vs_champion',
          outcome: 'pass',
          measured: { candidate: auc, run_id: run.runId, baseline: 'no_champion' },
          threshold: METRIC_DELTA_THRESHOLD,
        }
      : {
          id: 'gate/roc_auc_vs_champion',
          outcome: auc >= championAuc ? 'pass' : 'fail',
          measured: {
            candidate: auc,
            run_id: run.runId,
            champion_version: s.champion!.version,
            champion: championAuc,
            delta: expect.closeTo(auc - championAuc, 12),
            relative_change: expect.closeTo((auc - championAuc) / championAuc, 12),
          },
          threshold: METRIC_DELTA_THRESHOLD,
        };

  const tagsMissing = !('validation_status' in version.tags);
  const signature: ExpectedGate = !run.has_signature
    ? { id: 'gate/signature', outcome: 'fail', measured: { inputs: null, outputs: null }, threshold: SIGNATURE_THRESHOLD }
    : !s.champion
      ? {
          id: 'gate/signature',
          outcome: 'pass',
          measured: { inputs: run.signature_inputs!.length, outputs: 1, compatibility: 'no_champion' },
          threshold: SIGNATURE_THRESHOLD,
        }
      : {
          id: 'gate/signature',
          outcome: s.removed ? 'fail' : 'pass',
          measured: {
            inputs: run.signature_inputs!.length,
            outputs: 1,
            champion_version: s.champion.version,
            removed: s.removed ? s.removed.join(', ') : null,
            retyped: s.retyped
              ? Object.entries(s.retyped)
                  .map(([col, [from, to]]) => `${col} (${from} → ${to})`)
                  .join(', ')
              : null,
            newly_required: null,
            compatibility: s.removed ? 'incompatible' : 'compatible',
          },
          threshold: SIGNATURE_THRESHOLD,
        };

  return [
    {
      id: 'gate/roc_auc_floor',
      outcome: auc >= 0.95 ? 'pass' : 'fail',
      measured: { candidate: auc, run_id: run.runId },
      threshold: { threshold: 0.95, greater_is_better: true },
    },
    delta,
    {
      id: 'gate/latency',
      outcome: latency <= 1000 ? 'pass' : 'fail',
      measured: { candidate: latency, run_id: run.runId },
      threshold: { threshold: 1000, greater_is_better: false },
    },
    {
      id: 'gate/tags',
      outcome: tagsMissing ? 'fail' : 'pass',
      measured: { validation_status: version.tags['validation_status'] ?? null, owner: version.tags['owner'] ?? null },
      threshold: { validation_status: 'approved', owner: '.+' },
    },
    signature,
    {
      id: 'gate/provenance',
      outcome: run.status === 'FINISHED' ? 'pass' : 'fail',
      measured: { run_id: run.runId, run_status: run.status, git_commit: manifest.git_commit },
      threshold: PROVENANCE_THRESHOLD,
    },
    {
      id: 'gate/description',
      // severity warn: a failing description gate reports warn
      outcome: version.description.length >= 20 ? 'pass' : 'warn',
      measured: { length: version.description.length, model_card: null },
      threshold: { min_length: 20, model_card_tag: null },
    },
  ];
};

/** The verdict each scenario must reach, and why: stated by hand, not derived. */
const EXPECTED_VERDICTS: Record<string, TargetReport['verdict']> = {
  's1-better': 'pass',
  's2-worse': 'fail', // roc_auc below the champion's
  's3-first': 'pass', // no champion: deltas and compatibility pass by configuration
  's4-nosig': 'fail', // no signature
  's5-breaking': 'fail', // removed + retyped input
  's6-notags': 'fail', // missing required tags (and a warn for the missing description)
  's7-running': 'fail', // run still RUNNING
  's8-mlflow3': 'pass',
};

describe('plan --format json against the seeded MLflow server', () => {
  let outcome: Awaited<ReturnType<typeof runPlan>>;
  beforeAll(async () => {
    outcome = await runPlan(url);
  });

  it('exits 1 (a gate blocks) with an overall fail verdict', () => {
    expect(outcome.code).toBe(1);
    expect(outcome.result.verdict).toBe('fail');
    expect(outcome.result.targets.map((t) => `${t.model}:${t.from}->${t.to}`)).toEqual(
      Object.keys(EXPECTED_VERDICTS).map((id) => `${id}:dev->prod`),
    );
  });

  for (const [target, verdict] of Object.entries(EXPECTED_VERDICTS)) {
    it(`${target}: verdict ${verdict}, every gate with its measured values`, () => {
      const s = manifest.scenarios[target]!;
      const report = outcome.result.targets.find((t) => t.model === target)!;
      expect(report.verdict).toBe(verdict);
      expect(report.candidate).toMatchObject({
        name: s.candidate.name,
        version: s.candidate.version,
        runId: versionOf(s.candidate).run_id,
        url: `${url}/#/models/${s.candidate.name}/versions/${s.candidate.version}`,
      });
      if (s.champion) expect(report.champion).toMatchObject({ name: s.champion.name, version: s.champion.version });
      else expect(report.champion).toBeNull();
      const gates = report.gates.map((g) => ({ id: g.id, outcome: g.outcome, measured: g.measured, threshold: g.threshold }));
      expect(gates).toEqual(expectedGates(target));
    });
  }

  it('names the problem in the failing gates', () => {
    const gate = (model: string, id: string) => outcome.result.targets.find((t) => t.model === model)!.gates.find((g) => g.id === id)!;
    expect(gate('s5-breaking', 'gate/signature').message).toMatch(/removed input mean smoothness; retyped mean area \(double → long\)/);
    expect(gate('s7-running', 'gate/provenance').message).toMatch(/is RUNNING, not FINISHED/);
    expect(gate('s4-nosig', 'gate/signature').message).toMatch(/no signature/);
  });

  it('makes the minimal number of requests: each distinct one once', () => {
    const requests = outcome.result.requests!;
    const passing = outcome.result.targets.filter((t) => t.plan).length;
    // Batched reads (src/platform/mlflow/batch.ts, runs-batch.ts): every model's aliases, tags and
    // versions in one registered-models/search and one model-versions/search, every run in one
    // experiments/search and one runs/search, then one read per MLmodel. The promotion-plan
    // preview of each passing target reads its destination (the registered model, existing
    // copies, and copies under the old identity key) from the same batch: no request of its own.
    // One object at a time this was minimalRequestCount(manifest) + 3 per preview = 56.
    const minimal = minimalBatchedRequestCount(manifest);
    process.stderr.write(
      `[plan] ${requests.total} requests for ${outcome.result.targets.length} targets (minimal ${minimal}, batched; ${minimalRequestCount(manifest) + 3 * passing} one object at a time)\n`,
    );
    expect(passing).toBe(3);
    expect(requests.total).toBe(minimal);
    expect(requests.retries).toBe(0);
    expect(requests.byEndpoint).toEqual({
      'GET /api/2.0/mlflow/registered-models/search': 1, // every model: aliases, tags (and the preview's destination reads)
      'GET /api/2.0/mlflow/model-versions/search': 1, // every version with its tags (s3: version 1; s7: tag selector; the preview's copies)
      'POST /api/2.0/mlflow/experiments/search': 1, // the experiments to search runs in
      'POST /api/2.0/mlflow/runs/search': 1, // 8 candidate + 7 champion runs
      'GET /get-artifact': 12, // runs:/ MLmodels
      'GET /ajax-api/2.0/mlflow/logged-models/{id}/artifacts/files': 3, // models:/ MLmodels (s2 candidate, s8 both)
    });
  });
});
