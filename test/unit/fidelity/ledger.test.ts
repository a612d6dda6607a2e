// docs/fidelity.md against the code: every route the platform adapters call has a ledger row;
// every row has a known status; every unconfirmed row has a strict reading in the emulator (or the
// emulator's default already is the stricter one); every strict behaviour has its rows; the counts
// add up; and every file and line the ledger cites exists in the installed packages.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_STRICT_BEHAVIOURS, STRICT_BEHAVIOURS, type StrictBehaviour } from '../../../src/emulator/core/strict.js';
import { extractRoutes, normaliseRoute } from './routes.js';

const repo = join(import.meta.dirname, '../../..');
const LEDGER = readFileSync(join(repo, 'docs/fidelity.md'), 'utf8');
const SITE_PACKAGES = join(repo, '.cache/venv/lib/python3.11/site-packages');
const JS_SDK = join(repo, 'test/contract-js/node_modules');

const STATUSES = ['sourced', 'sourced (indirect)', 'unconfirmed', 'contradicted'] as const;
type Status = (typeof STATUSES)[number];

interface Row {
  readonly n: number;
  readonly route: string;
  readonly status: string;
  readonly emulator: string;
}

/** Table rows `| n | route | behaviour | our code | source | status | emulator |` (a `\|` inside a cell is text). */
const rows: Row[] = LEDGER.split('\n')
  .filter((line) => /^\| \d+ \|/.test(line))
  .map((line) => {
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    return { n: Number(cells[0]), route: cells[1] ?? '', status: (cells[5] ?? '').replace(/\*/g, '').trim(), emulator: cells[6] ?? '' };
  });

/** Source files of the platform adapters (GitHub is not a Databricks/MLflow API). */
function adapterSources(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'github') walk(p);
      } else if (p.endsWith('.ts')) {
        const path = relative(repo, p);
        // The generic MLflow-protocol caller: its routes are read from its call sites.
        if (path === 'src/platform/http/protocol.ts') continue;
        out.push({ path, text: readFileSync(p, 'utf8') });
      }
    }
  };
  walk(join(repo, 'src/platform'));
  return out;
}

const strictIn = (cell: string): string[] => [...cell.matchAll(/strict: ([a-z0-9-]+)/g)].map((m) => m[1]!);

describe('docs/fidelity.md', () => {
  it('numbers its rows once each', () => {
    expect(rows.length).toBeGreaterThan(100);
    const numbers = rows.map((r) => r.n);
    expect(new Set(numbers).size, 'duplicate row numbers').toBe(numbers.length);
  });

  it('has a row for every route the adapters call (read from their source text)', () => {
    const { routes, unlabelled, unreadable } = extractRoutes(adapterSources());
    expect(unlabelled, 'requests without an endpoint label (give each one `endpoint: "METHOD /path"`)').toEqual([]);
    expect(unreadable, 'endpoint labels that do not read as METHOD /path').toEqual([]);
    // The extraction itself works: the routes of every adapter are there.
    for (const expected of ['GET /api/2.0/mlflow/unity-catalog/model-versions/search', 'PUT /api/2.0/serving-endpoints/{name}/config', 'POST /api/data-quality/v1/monitors', 'GET /get-artifact', 'GET /oidc/.well-known/oauth-authorization-server']) {
      expect(routes.map((r) => r.route), expected).toContain(expected);
    }
    const inLedger = new Set(rows.flatMap((r) => [...r.route.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE|HEAD) \/[^`]*)`/g)].map((m) => normaliseRoute(m[1]!))));
    const missing = [...new Set(routes.filter((r) => !inLedger.has(normaliseRoute(r.route))).map((r) => `${r.route} (${r.at})`))];
    expect(missing, 'routes with no ledger row: add a row to docs/fidelity.md with its source, or mark it unconfirmed').toEqual([]);
  });

  it('gives every row a known status', () => {
    const unknown = rows.filter((r) => !(STATUSES as readonly string[]).includes(r.status)).map((r) => `#${r.n}: "${r.status}"`);
    expect(unknown).toEqual([]);
  });

  it('gives every unconfirmed row a strict reading in the emulator, or says the default already is the stricter one', () => {
    const bare = rows
      .filter((r) => r.status === 'unconfirmed')
      .filter((r) => strictIn(r.emulator).length === 0 && !/default is the stricter reading/.test(r.emulator))
      .map((r) => `#${r.n}`);
    expect(bare).toEqual([]);
  });

  it('names only strict behaviours that exist, and every one of them on the rows it stands for', () => {
    const named = rows.flatMap((r) => strictIn(r.emulator).map((id) => ({ id, n: r.n })));
    expect(named.filter(({ id }) => !(id in STRICT_BEHAVIOURS)).map(({ id, n }) => `#${n}: ${id}`)).toEqual([]);
    for (const b of ALL_STRICT_BEHAVIOURS) {
      const rowsNaming = named.filter(({ id }) => id === b).map(({ n }) => n).sort((x, y) => x - y);
      const declared = STRICT_BEHAVIOURS[b as StrictBehaviour].ledger
        .split(',')
        .map((s) => Number(s.trim()))
        .sort((x, y) => x - y);
      expect(rowsNaming, `strict behaviour ${b}: rows naming it vs its ledger field in src/emulator/core/strict.ts`).toEqual(declared);
    }
  });

  it('counts its rows right', () => {
    const block = /<!-- counts:begin[^>]*-->([\s\S]*?)<!-- counts:end -->/.exec(LEDGER)?.[1] ?? '';
    const stated = Object.fromEntries([...block.matchAll(/^\| ([a-z() ]+) \| (\d+) \|$/gm)].map((m) => [m[1]!.trim(), Number(m[2])]));
    const actual: Record<Status | 'total', number> = { sourced: 0, 'sourced (indirect)': 0, unconfirmed: 0, contradicted: 0, total: rows.length };
    for (const r of rows) actual[r.status as Status]++;
    expect(stated).toEqual(actual);
  });

  it('cites files and lines that exist in the installed databricks-sdk, mlflow and JavaScript SDK', () => {
    expect(existsSync(SITE_PACKAGES), `${SITE_PACKAGES} is missing: run bash scripts/setup-python.sh (npm test does)`).toBe(true);
    expect(existsSync(JS_SDK), `${JS_SDK} is missing: run bash scripts/setup-contract-js.sh (npm test does)`).toBe(true);
    const problems: string[] = [];
    const lineCount = new Map<string, number>();
    const check = (file: string, lines: string | undefined, cited: string) => {
      if (!existsSync(file)) return void problems.push(`${cited}: no such file`);
      const count = lineCount.get(file) ?? readFileSync(file, 'utf8').split('\n').length;
      lineCount.set(file, count);
      for (const n of (lines ?? '').split(/[-,]/).filter(Boolean).map(Number)) if (!(n >= 1 && n <= count)) problems.push(`${cited}: line ${n} is past the end (${count} lines)`);
    };
    let cited = 0;
    for (const m of LEDGER.matchAll(/((?:databricks\/sdk|mlflow)\/[\w/.-]+?\.pyi?)(?::(\d+(?:[-,]\d+)*))?(?![\w/])/g)) {
      cited++;
      check(join(SITE_PACKAGES, m[1]!), m[2], m[0]);
    }
    for (const m of LEDGER.matchAll(/@databricks\/sdk-experimental\/([\w/.-]+?\.(?:json|js))(?![\w])(?::(\d+(?:[-,]\d+)*))?/g)) {
      cited++;
      check(join(JS_SDK, '@databricks/sdk-experimental', m[1]!), m[2], m[0]);
    }
    expect(cited).toBeGreaterThan(150);
    expect(problems).toEqual([]);
  });
});
