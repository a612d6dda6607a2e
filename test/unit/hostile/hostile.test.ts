// The hostile-input suite (issue 13): malformed, oversized, deeply nested, flooding and
// semantically impossible configs, and misuse of `validate`. For each case: the exit code, the
// position of the first error, a message that says what is wrong (no stack trace, no library
// jargon, no echo of a huge value), an answer in bounded time, and not one request to the
// registry (its URL is a local server that records requests). Cases refused at exit 2 are run
// through `plan` as well, which must refuse them at the same position before any request.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';
import { HOSTILE_CASES, type HostileClass } from './cases.js';
import { runCase } from './run-case.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer((_req, res) => sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'not here' }));
});
afterAll(() => server.close());

/** Things users must never see. */
const JARGON = [
  /\n\s+at \S+ \(/, // a stack frame
  /\.(?:js|ts):\d+:\d+\)/,
  /internal error/i,
  /Maximum call stack size exceeded/,
  /parseAllDocuments|YAML\.\w+\(/,
  /expected a number, got number/,
  /RE2JS|Exception|error parsing regexp/,
  /\[object Object\]/,
  /\bundefined\b/,
  /Cannot read propert/,
];

/** Generous bounds: the unbounded versions of these took minutes to hours (bench:hostile has the real numbers). */
const MAX_MS = 15_000;
const MAX_OUTPUT = 40_000;

const CLASSES: readonly HostileClass[] = ['syntax', 'encoding', 'bomb', 'depth', 'size', 'flood', 'pattern', 'semantic', 'path', 'usage'];

describe('hostile inputs', () => {
  test('at least 60 cases, covering every class', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(HOSTILE_CASES.map((c) => c.class))).toEqual(new Set(CLASSES));
    expect(new Set(HOSTILE_CASES.map((c) => c.name)).size).toBe(HOSTILE_CASES.length);
  });

  test.each(HOSTILE_CASES.map((c) => [`${c.class}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const before = server.requests().length;
    const run = await runCase(c, server.url);
    const output = `${run.stderr}${run.stdout}`;
    expect({ code: run.code }, output.slice(0, 3000)).toEqual({ code: c.exit });
    expect(output).toMatch(c.message);
    // Position: exact, or a prefix when the program computes it (then pointsAt says what is there).
    if (c.at === null) {
      if (c.exit !== 0) expect(output).not.toMatch(/^\S+:\d+:\d+: error:/m);
    } else if (/:\d+:\d+$/.test(c.at)) {
      expect(run.at).toBe(c.at);
    } else {
      expect(run.at?.startsWith(c.at), `${run.at} starts with ${c.at}`).toBe(true);
    }
    if (c.pointsAt) expect(run.textAt ?? '').toMatch(c.pointsAt);
    // Every error line is positioned (file:line:column) unless the case has none to give.
    for (const line of run.stderr.split('\n').filter((l) => /: error: /.test(l))) {
      if (c.at !== null) expect(line).toMatch(/^\S.*?:\d+:\d+: error: /);
    }
    for (const jargon of JARGON) expect(output).not.toMatch(jargon);
    expect(output.length, 'output stays short (floods are cut)').toBeLessThan(MAX_OUTPUT);
    expect(run.ms).toBeLessThan(MAX_MS);
    expect(server.requests().length - before, 'requests to the registry').toBe(0);

    // A config refused by validate is refused by plan, at the same place, before any request.
    if (c.exit === 2 && c.at !== null && (c.argv === undefined || c.argv.includes('mlops.yml'))) {
      const plan = await runCase(c, server.url, ['plan', '--config', c.argv?.[c.argv.indexOf('--config') + 1] ?? 'mlops.yml']);
      expect({ code: plan.code, at: plan.at }).toEqual({ code: 2, at: run.at });
      expect(plan.stderr).toMatch(/nothing was contacted/);
      expect(server.requests().length - before, 'requests to the registry by plan').toBe(0);
    }
  }, 120_000);
});
