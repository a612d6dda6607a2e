// `mlops-gate doctor` against the real MLflow server of the integration setup: server version,
// model registry, artifact proxy and the registered models of the integration config, read-only;
// and a server that is not there, as one failed row per environment.

import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { REPO_ROOT } from '../support/mlflow-server.js';
import { CONFIG_PATH } from './helpers.js';

const doctor = async (mlflowUrl: string, extra: readonly string[] = []) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['doctor', '--config', CONFIG_PATH, '--format', 'json', ...extra], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { MLFLOW_URL: mlflowUrl },
    cwd: REPO_ROOT,
  });
  return { code, report: JSON.parse(stdout) as DoctorReport, stderr };
};

describe('doctor on a real MLflow server', () => {
  it('reads the version, the registry, the artifact proxy and every model it will read or promote into', async () => {
    const url = inject('mlflowUrl');
    const { code, report, stderr } = await doctor(url);
    expect(code, stderr).toBe(0);
    const rows = (env: string) => report.checks.filter((c) => c.environment === env);
    for (const env of ['dev', 'prod']) {
      const checks = rows(env);
      expect(checks.find((c) => c.check === 'server version')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^MLflow 3\.\d+\.\d+/) });
      expect(checks.find((c) => c.check === 'model registry')?.status).toBe('pass');
      expect(checks.find((c) => c.check === 'artifact proxy')?.status).toBe('pass');
    }
    // dev holds every candidate; prod every model promoted into (a missing one would be created by promote).
    const dev = rows('dev').filter((c) => /^model \S+-dev$/.test(c.check));
    expect(dev.map((c) => c.check)).toContain('model s1-better-dev');
    expect(dev.filter((c) => !(c.status === 'pass' && c.detail === 'exists'))).toEqual([]);
    expect(rows('prod').filter((c) => /^model \S+-prod$/.test(c.check)).map((c) => c.status)).toContain('pass');
    expect(report.summary.fail).toBe(0);
  });

  it('a server that is not there: one failed row per environment, exit 1', async () => {
    const { code, report } = await doctor('http://127.0.0.1:9');
    expect(code).toBe(1);
    expect(report.checks.map((c) => [c.environment, c.check, c.status])).toEqual([
      ['dev', 'reachable', 'fail'],
      ['prod', 'reachable', 'fail'],
    ]);
  });
});
