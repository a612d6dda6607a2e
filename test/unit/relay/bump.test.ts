// `mlops-gate bump`: which models a registry event names, and the one-line edit of mlops.yml.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { modelsRegisteredAs, setCandidateVersion } from '../../../src/relay/bump.js';
import { load } from '../config/helpers.js';

const CHAIN = `version: 1
environments:
  dev: { registry: mlflow, tracking_uri: http://mlflow.example }
  staging: { registry: mlflow, tracking_uri: http://mlflow.example, promote_from: dev }
  prod: { registry: mlflow, tracking_uri: http://mlflow.example, promote_from: staging }
models:
  churn:
    name: churn-\${env}
    candidate: { latest: true }   # keep this comment
  fraud:
    name: fraud
    promotion: alias
    candidate:
      alias: challenger   # inner comment
    champion_alias: \${env}-champion
  legacy:
    name: legacy-\${env}
    names: { dev: legacy-sandbox }
    candidate: {tag: {ok: "yes"}}
policies: {}
`;

describe('modelsRegisteredAs', () => {
  const { config } = load(CHAIN);
  it('matches the registered name in the first environment only', () => {
    expect(modelsRegisteredAs(config, 'churn-dev')).toEqual([{ model: 'churn', environment: 'dev', alsoSelects: ['staging'] }]);
    // Versions mlops-gate's own copy promotions create never trigger a bump.
    expect(modelsRegisteredAs(config, 'churn-staging')).toEqual([]);
    expect(modelsRegisteredAs(config, 'churn-prod')).toEqual([]);
    expect(modelsRegisteredAs(config, 'fraud')).toEqual([{ model: 'fraud', environment: 'dev', alsoSelects: [] }]);
    expect(modelsRegisteredAs(config, 'legacy-sandbox').map((m) => m.model)).toEqual(['legacy']);
    expect(modelsRegisteredAs(config, 'legacy-dev')).toEqual([]);
  });

  it('uses full Unity Catalog names', () => {
    const { config: uc } = load(`version: 1
environments:
  dev: { registry: databricks-uc, host: https://dev.example, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: https://prod.example, catalog: prod, schema: ml, promote_from: dev }
models:
  churn: { name: churn, candidate: { alias: challenger } }
`);
    expect(modelsRegisteredAs(uc, 'dev.ml.churn').map((m) => m.model)).toEqual(['churn']);
    expect(modelsRegisteredAs(uc, 'churn')).toEqual([]);
  });
});

describe('setCandidateVersion', () => {
  it('replaces only the candidate value, keeping every other byte', () => {
    for (const id of ['churn', 'fraud', 'legacy']) {
      const edit = setCandidateVersion(CHAIN, id, '12');
      if ('error' in edit) throw new Error(edit.error);
      expect(edit.changed).toBe(true);
      // Exactly one new line; only the old candidate's lines are gone.
      const before = CHAIN.split('\n');
      const after = edit.text.split('\n');
      const added = after.filter((line) => !before.includes(line));
      const removed = before.filter((line) => !after.includes(line));
      expect(added, edit.text).toEqual([expect.stringMatching(/^ {4}candidate: \{ version: "12" \}/)]);
      expect(removed.every((line) => /candidate|alias: challenger/.test(line)), removed.join('\n')).toBe(true);
      expect(load(edit.text).config.models.get(id)?.candidate).toEqual({ kind: 'version', version: '12' });
    }
    const churn = setCandidateVersion(CHAIN, 'churn', '12');
    expect('text' in churn && churn.text).toContain('    candidate: { version: "12" }   # keep this comment\n');
    const fraud = setCandidateVersion(CHAIN, 'fraud', '12');
    expect('text' in fraud && fraud.text).toContain('    promotion: alias\n    candidate: { version: "12" }   # inner comment\n    champion_alias:');
  });

  it('is a no-op when already pinned, and explains what it cannot edit', () => {
    const once = setCandidateVersion(CHAIN, 'churn', '3');
    if ('error' in once) throw new Error(once.error);
    expect(setCandidateVersion(once.text, 'churn', '3')).toEqual({ text: once.text, changed: false });
    expect(setCandidateVersion(CHAIN, 'nope', '3')).toEqual({ error: 'models.nope is not a mapping written out in the file' });
    const anchored = `x: &c { latest: true }\nmodels:\n  m:\n    name: m\n    <<: { candidate: *c }\n`;
    expect(setCandidateVersion(anchored, 'm', '3')).toMatchObject({ error: expect.stringMatching(/not written out/) });
    expect(setCandidateVersion(CHAIN, 'churn', '0')).toMatchObject({ error: expect.stringMatching(/positive integer/) });
  });
});

describe('mlops-gate bump', () => {
  const run = async (args: string[], text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bump-'));
    writeFileSync(join(dir, 'mlops.yml'), text);
    let out = '';
    const code = await runCli(['bump', ...args], { stdout: (s) => (out += s), stderr: (s) => (out += s), env: {}, cwd: dir });
    return { code, out, text: readFileSync(join(dir, 'mlops.yml'), 'utf8') };
  };

  it('pins the candidate and warns when copy promotions number versions apart', async () => {
    const r = await run(['--name', 'churn-dev', '--version', '5'], CHAIN);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/churn: candidate \{ version: "5" \} \(churn-dev in dev\)/);
    expect(r.out).toMatch(/also read in staging/);
    expect(r.text).toContain('candidate: { version: "5" }');
  });

  it('changes nothing for a name no first environment registers', async () => {
    const r = await run(['--name', 'churn-prod', '--version', '5'], CHAIN);
    expect(r).toMatchObject({ code: 0, text: CHAIN });
    expect(r.out).toMatch(/nothing to change/);
  });

  it('refuses an invalid config with file:line:column before touching it', async () => {
    const broken = CHAIN.replace('promote_from: dev }', 'promote_from: nowhere }');
    const r = await run(['--name', 'churn-dev', '--version', '5'], broken);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/mlops\.yml:4:\d+: error: .*unknown environment "nowhere"/);
    expect(r.text).toBe(broken);
  });
});
