// examples/workflows/registry-relay.yml agrees with the relay and the CLI: it listens for the
// event type the relay sends by default, reads the payload fields the relay writes, and every
// mlops-gate command line it runs parses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/invocation.js';
import { dispatchBody } from '../../../src/relay/dispatch.js';
import { REPO_ROOT } from '../config/helpers.js';

const text = readFileSync(join(REPO_ROOT, 'examples/workflows/registry-relay.yml'), 'utf8');
const workflow = parse(text) as { on: { repository_dispatch: { types: string[] } }; jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }> };

describe('examples/workflows/registry-relay.yml', () => {
  it('listens for the relay\'s default event type', () => {
    const relay = parseCliArgs(['relay']);
    expect(relay.command === 'relay' && workflow.on.repository_dispatch.types).toEqual([relay.command === 'relay' ? relay.eventType : '']);
  });

  it('reads only payload fields the relay sends', () => {
    const payload = dispatchBody('t', { event: 'model_version.created', name: 'n', version: '1', alias: null, source: null, runId: null, occurredAt: null }, 'id', null).client_payload;
    const used = [...text.matchAll(/github\.event\.client_payload\.([a-z_.]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const path of used) {
      const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], payload);
      expect(value, path).not.toBeUndefined();
    }
  });

  it('runs mlops-gate command lines that parse, with the payload only in environment variables', () => {
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    const lines = runs.flatMap((r) => r.split('\n')).filter((l) => l.includes('$MLOPS_GATE '));
    expect(lines.length).toBe(2);
    for (const line of lines) {
      const args = line.trim().replace(/^\$MLOPS_GATE /, '').replace(/\s*>.*$/, '').replace(/"\$NAME"/g, 'churn').replace(/"\$VERSION"/g, '7').split(/\s+/);
      expect(() => parseCliArgs(args), line).not.toThrow();
    }
    for (const r of runs) expect(r).not.toMatch(/\$\{\{/);
  });
});
