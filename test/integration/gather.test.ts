// gatherEvidence against the seeded MLflow server, through the real registry factory and HTTP client.

import { describe, expect, inject, it } from 'vitest';
import { listTargets } from '../../src/config/targets.js';
import type { Config, Target } from '../../src/config/types.js';
import { targetKey } from '../../src/config/types.js';
import { gatherEvidence } from '../../src/evidence/gather.js';
import type { GitHubEvidenceReader, RegistryPorts } from '../../src/evidence/ports.js';
import type { ApprovalsEvidence, EvidenceNeeds, TargetEvidence, VersionEvidence } from '../../src/evidence/types.js';
import { NO_NEEDS } from '../../src/evidence/types.js';
import { createHttpClient } from '../../src/platform/http/client.js';
import { createRequestLedger } from '../../src/platform/http/ledger.js';
import type { RequestLedger } from '../../src/platform/http/types.js';
import { createMlflowPorts } from '../../src/platform/mlflow/adapter.js';
import { liveDeps } from '../../src/wiring/live.js';
import { freePort } from '../support/mlflow-server.js';
import { loadIntegrationConfig, minimalBatchedRequestCount, minimalRequestCount, SCENARIO_IDS, withTwin } from './helpers.js';

const url = inject('mlflowUrl');
const manifest = inject('mlflowManifest');

const ALL_REGISTRY_NEEDS: EvidenceNeeds = {
  ...NO_NEEDS,
  candidateRun: true,
  candidateSignature: true,
  championRun: true,
  championSignature: true,
};

const gatherAll = async (config: Config, needs: EvidenceNeeds, targets: readonly Target[] = listTargets(config)) => {
  const ledger = createRequestLedger();
  const evidence = await gatherEvidence({
    config,
    targets,
    needs: () => needs,
    portsFor: livePorts(config, ledger),
  });
  return { evidence, ledger };
};

/** The live registry ports (one connection per environment, shared de-duplication), counting into `ledger`. */
const livePorts = (config: Config, ledger: RequestLedger) => {
  const live = liveDeps({ stdout: () => undefined, stderr: () => undefined, env: {}, cwd: process.cwd() }, { ledger });
  return (envName: string) => live.portsFor(config, envName);
};

const valueOf = <T>(fact: { ok: true; value: T } | { ok: false; error: unknown } | undefined): T => {
  if (!fact || !fact.ok) throw new Error(`expected a gathered fact, got ${JSON.stringify(fact)}`);
  return fact.value;
};

const expectVersion = (fact: TargetEvidence['candidate'], ref: { name: string; version: string }): VersionEvidence => {
  const v = valueOf(fact);
  expect(v).not.toBeNull();
  expect({ name: v!.version.name, version: v!.version.version }).toEqual(ref);
  return v!;
};

describe('gatherEvidence on the seeded scenarios', () => {
  it('gathers candidate, champion, runs and signatures per scenario, each request once', async () => {
    const config = withTwin(loadIntegrationConfig(url));
    const { evidence, ledger } = await gatherAll(config, ALL_REGISTRY_NEEDS);

    for (const id of SCENARIO_IDS) {
      const s = manifest.scenarios[id]!;
      const e = evidence.get(targetKey({ model: id, from: 'dev', to: 'prod' }))!;
      const candidate = expectVersion(e.candidate, s.candidate);
      const candidateRunId = manifest.models[s.candidate.name]!.versions[s.candidate.version]!.run_id;
      const run = valueOf(candidate.run);
      expect(run?.runId).toBe(candidateRunId);
      expect(run?.metrics).toEqual(manifest.runs[candidateRunId]!.metrics);
      expect(run?.status).toBe(manifest.runs[candidateRunId]!.status);
      const signature = valueOf(candidate.signature);
      const seededInputs = manifest.runs[candidateRunId]!.signature_inputs;
      expect(signature?.inputs?.map((c) => [c.name, c.type]) ?? null).toEqual(seededInputs?.map((c) => [c.name, c.type]) ?? null);

      if (s.champion) {
        const champion = expectVersion(e.champion, s.champion);
        const championRunId = manifest.models[s.champion.name]!.versions[s.champion.version]!.run_id;
        expect(valueOf(champion.run)?.metrics).toEqual(manifest.runs[championRunId]!.metrics);
        expect(valueOf(champion.signature)?.inputs?.map((c) => c.name)).toEqual(manifest.features);
      } else {
        expect(e.champion).toEqual({ ok: true, value: null });
      }
      expect(e.approvals).toBeUndefined();
      expect(e.commits).toBeUndefined();
    }

    // s1-twin asks for exactly what s1-better asks for: the same facts, no extra request.
    expect(evidence.get('s1-twin:dev->prod')).toEqual(evidence.get('s1-better:dev->prod'));
    // Batched: lookups and runs in four searches, then one read per MLmodel (it was
    // minimalRequestCount(manifest) = 47 requests one object at a time).
    expect(ledger.snapshot().total).toBe(minimalBatchedRequestCount(manifest));
    expect(minimalBatchedRequestCount(manifest)).toBeLessThan(minimalRequestCount(manifest));
    expect(ledger.snapshot().retries).toBe(0);
  });

  it('asks only for what the needs ask for', async () => {
    const config = loadIntegrationConfig(url);
    const { evidence, ledger } = await gatherAll(config, NO_NEEDS);
    const s1 = evidence.get('s1-better:dev->prod')!;
    const candidate = valueOf(s1.candidate)!;
    expect(candidate.run).toBeUndefined();
    expect(candidate.signature).toBeUndefined();
    expect(valueOf(s1.champion)!.run).toBeUndefined();
    // lookups only, batched: every model's aliases, tags and versions in one
    // registered-models/search and one model-versions/search (one object at a time it was
    // candidate + champion per scenario, +1 for the tag selector's alias read)
    expect(ledger.snapshot().total).toBe(2);
    expect(Object.keys(ledger.snapshot().byEndpoint).sort()).toEqual([
      'GET /api/2.0/mlflow/model-versions/search',
      'GET /api/2.0/mlflow/registered-models/search',
    ]);
  });

  it('reports what GitHub evidence needs when there is no GitHub context, instead of throwing', async () => {
    const config = loadIntegrationConfig(url);
    const targets = listTargets(config, { models: ['s1-better'] });
    const { evidence } = await gatherAll(config, { ...NO_NEEDS, approvals: true, commits: true }, targets);
    const e = evidence.get('s1-better:dev->prod')!;
    expect(e.approvals).toEqual({
      ok: false,
      error: { kind: 'unavailable', message: 'approvals need a GitHub context (token and pull request or environment)' },
    });
    expect(e.commits).toEqual({
      ok: false,
      error: { kind: 'unavailable', message: 'checking the commit needs a GitHub context (token and repository)' },
    });
    // commits need the candidate's run (for its git commit tag), so it was read
    expect(valueOf(valueOf(e.candidate)!.run)?.tags['mlflow.source.git.commit']).toBe(manifest.git_commit);
  });

  it('reads GitHub evidence once for all targets, and checks the candidate run\'s commit', async () => {
    const config = loadIntegrationConfig(url);
    const calls = { approvals: 0, commits: [] as string[][] };
    const approvals: ApprovalsEvidence = { author: 'alice', headSha: 'abc', approvals: [], teams: {} };
    const github: GitHubEvidenceReader = {
      approvals: async () => {
        calls.approvals += 1;
        return approvals;
      },
      commitsExist: async (shas) => {
        calls.commits.push([...shas]);
        return Object.fromEntries(shas.map((sha) => [sha, true]));
      },
      changedFiles: async () => {
        throw new Error('no gate of this config asks for changed files');
      },
    };
    const ledger = createRequestLedger();
    const evidence = await gatherEvidence({
      config,
      targets: listTargets(config, { models: ['s1-better', 's8-mlflow3'] }),
      needs: () => ({ ...NO_NEEDS, approvals: true, commits: true }),
      portsFor: livePorts(config, ledger),
      github,
    });
    expect(calls.approvals).toBe(1);
    // both candidates were trained at the same commit: one check
    expect(calls.commits).toEqual([[manifest.git_commit]]);
    for (const e of evidence.values()) {
      expect(e.approvals).toEqual({ ok: true, value: approvals });
      expect(e.commits).toEqual({ ok: true, value: { [manifest.git_commit]: true } });
    }
  });

  it('turns an unreachable registry into unavailable facts, never an exception', async () => {
    const config = loadIntegrationConfig(url);
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const http = createHttpClient({ baseUrl: deadUrl, maxAttempts: 1 });
    const dead: RegistryPorts = createMlflowPorts({ http, trackingUri: deadUrl });
    const evidence = await gatherEvidence({
      config,
      targets: listTargets(config, { models: ['s1-better', 's7-running'] }),
      needs: () => ALL_REGISTRY_NEEDS,
      portsFor: () => dead,
    });
    await http.close();
    for (const e of evidence.values()) {
      expect(e.candidate.ok).toBe(false);
      expect(e.champion.ok).toBe(false);
      if (!e.candidate.ok) {
        expect(e.candidate.error.kind).toBe('unavailable');
        expect(e.candidate.error.message).toMatch(/^could not look up the candidate .* in dev\): GET \/api\/2\.0\/mlflow\/.*could not reach 127\.0\.0\.1/);
      }
    }
  });
});
