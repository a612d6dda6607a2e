// File fixtures: invalid configs declare their expected first error in a header comment
// (`# expect: LINE:COL CODE MESSAGE-FRAGMENT`); nested ones exercise relative policy paths.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import { gatesFor } from '../../../src/config/names.js';
import { NOW, REPO_ROOT, loadErrors } from './helpers.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'configs');
const fromFixtures = (path: string): string | null => {
  const full = join(FIXTURES, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : null;
};

describe('invalid fixture files', () => {
  const files = readdirSync(join(FIXTURES, 'invalid')).filter((f) => f.endsWith('.yml'));
  test.each(files)('%s', (name) => {
    const text = readFileSync(join(FIXTURES, 'invalid', name), 'utf8');
    const expectation = /^# expect: (\d+):(\d+) (\S+) (.+)$/m.exec(text);
    expect(expectation, 'fixture declares # expect:').not.toBeNull();
    const [, line, column, code, message] = expectation ?? [];
    const errors = loadErrors(text, { file: `invalid/${name}` }).filter((d) => d.severity === 'error');
    expect(errors[0]).toMatchObject({ code, position: { file: `invalid/${name}`, line: Number(line), column: Number(column) } });
    expect(errors[0]?.message).toContain(message);
    expect(errors).toHaveLength(1);
  });
});

describe('nested policy files', () => {
  test('paths resolve relative to the file that references them; extends and applies_to are honoured', () => {
    const { config, diagnostics } = loadConfig(
      { file: 'nested/team/mlops.yml', text: fromFixtures('nested/team/mlops.yml') ?? '' },
      { env: {}, readFile: fromFixtures, now: NOW },
    );
    expect(diagnostics).toEqual([]);
    expect([...config.policies.keys()]).toEqual(['../shared/base.yml', '../shared/more/extra.yml', 'builtin:baseline']);
    expect(config.policies.get('../shared/more/extra.yml')?.origin).toEqual({ kind: 'file', path: 'nested/shared/more/extra.yml' });
    expect(config.policies.get('../shared/more/extra.yml')?.gates[1]?.position).toEqual({ file: 'nested/shared/more/extra.yml', line: 7, column: 5 });
    const ids = gatesFor(config, { model: 'churn', from: 'dev', to: 'prod' }).map((g) => g.id);
    expect(ids).toEqual([
      'extra/approvals',
      '../shared/more/extra.yml/required_tags',
      'baseline/provenance',
      'baseline/signature',
      'baseline/description',
      'baseline/quarantine',
      '../shared/base.yml/metric_threshold:auc',
    ]);
  });
});
