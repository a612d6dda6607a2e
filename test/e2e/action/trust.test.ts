// The trust boundary, attacked the way a pull request author, a second account, a registry tag
// writer or a hostile server would: each attack runs the built bundle as a runner does (GitHub =
// the local stand-in, Unity Catalog = the emulator or a hostile HTTP server) and must fail to pass
// the check. Every run also goes through the harness's secret grep (stdout, stderr, summary,
// outputs, files written, comments, deployments).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../../src/demo/scenario.js';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { startGitHubStandIn, type GitHubStandIn, type StandInReview } from '../../support/github-api.js';
import { assertNoSecretLeaks, buildActionBundle, runAction, type RunSpec } from './harness.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const PR = 7;
/** The workspace PAT, upper-case so that a server echoing it lower-cased is a real test of redaction. */
const PAT = 'DAPIUPPERCASESECRET42';

const config = (policies = '[builtin:production]', extra = '') => `version: 1
environments:
  dev: { registry: databricks-uc, host: "\${DATABRICKS_HOST}", catalog: ml_dev, schema: models${extra} }
  test: { registry: databricks-uc, host: "\${DATABRICKS_HOST}", catalog: ml_test, schema: models, promote_from: dev }
models:
  churn: { name: churn, candidate: { alias: challenger }, policies: ${policies} }
`;
const RELAXED = config('[builtin:baseline]');

const prEvent = () => ({
  action: 'synchronize',
  number: PR,
  pull_request: {
    number: PR,
    user: { login: 'alice' },
    base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/models', fork: false } },
    head: { sha: HEAD, ref: 'feature', repo: { full_name: 'acme/models', fork: false } },
  },
});

let bundle: string;
let emulator: RunningEmulator;
beforeAll(async () => {
  const demo = DEMO_SEED.workspaces.demo;
  [bundle, emulator] = await Promise.all([
    buildActionBundle(),
    startEmulator({ port: 0, seed: { workspaces: { demo: { ...demo, tokens: { [PAT]: 'ci@example.com' } } } }, modules: defaultModules(), tickMs: 0 }),
  ]);
}, 600_000);
afterAll(() => emulator?.close());

let api: GitHubStandIn;
beforeEach(async () => {
  emulator.admin.reset();
  api = await startGitHubStandIn({ token: 'ghs_testtoken' });
  api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['src/train.py'] });
  api.contents.set(BASE, new Map([['mlops.yml', config()]]));
});
afterEach(() => api.close());

const APPROVED: StandInReview = { user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' };

const run = (over: Partial<RunSpec> = {}) =>
  runAction({
    bundle,
    apiUrl: api.url,
    workspace: { 'mlops.yml': RELAXED },
    event: prEvent(),
    eventName: 'pull_request',
    github: api,
    runId: 42,
    ...over,
    env: { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: PAT, ...over.env },
    secrets: [PAT, ...(over.secrets ?? [])],
  });
const marked = () => api.commentsOn('acme', 'models', PR).filter((c) => c.body.startsWith('<!-- mlops-gate:plan:mlops.yml -->'));
/** Text as GitHub shows it: the report escapes data (backslashes, entities, invisible joiners against mentions). */
const shown = (markdown: string): string =>
  markdown
    .replace(/[\u2060\u200B\u200C\u200D]/g, '')
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~@:])/g, '$1')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
const notPass = (r: { code: number | null; outputs: Record<string, string> }) => {
  expect(r.code).not.toBe(0);
  expect(r.outputs.verdict ?? 'none').not.toBe('pass');
};

/** A local server answering every request with `handler`; records what it received. */
async function hostile(handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void) {
  const received: { method: string; url: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('1. every input of the verdict comes from the base commit, and from the repository only', () => {
  it('control: the base config (builtin:production) blocks a model without approvals, though the PR relaxed it', async () => {
    const r = await run();
    notPass(r);
    expect(marked()[0]?.body).toMatch(/production\/approvals/);
  });

  it('an absolute config path inside the workspace is mapped to the repository and read from the base commit', async () => {
    const r = await run({ inputs: { config: '$WORKSPACE/mlops.yml' } });
    notPass(r);
    expect(api.callsTo('GET', /\/contents\/mlops\.yml$/).map((c) => c.query.ref)).toEqual([BASE]);
  });

  it('an absolute config path outside the workspace is refused (exit 2), nothing judged', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mlops-gate-elsewhere-'));
    writeFileSync(join(elsewhere, 'mlops.yml'), RELAXED);
    const r = await run({ inputs: { config: join(elsewhere, 'mlops.yml') } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/outside the workspace/);
    expect(marked()).toHaveLength(0);
  });

  it('a ../ config path is refused (exit 2)', async () => {
    const r = await run({ inputs: { config: '../mlops.yml' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/leaves the repository/);
  });

  it('a policy file named with ../ in the base config is refused (exit 2), never read from the checkout', async () => {
    api.contents.set(BASE, new Map([['mlops.yml', config('[../policies/relaxed.yml]')]]));
    const r = await run({ workspace: { 'mlops.yml': RELAXED, '../policies/relaxed.yml': 'gates: []\n' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/relaxed\.yml.*leaves the repository/);
  });

  it('on any event, a config that is a symlink out of the repository is refused', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mlops-gate-elsewhere-'));
    writeFileSync(join(elsewhere, 'outside.yml'), RELAXED);
    const r = await run({ event: {}, eventName: 'workflow_dispatch', workspace: {}, symlinks: { 'mlops.yml': join(elsewhere, 'outside.yml') } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/symlink to a file outside the repository/);
  });

  it('evidence: on a pull request is refused: the PR could forge approvals and metrics', async () => {
    const forged = JSON.stringify({ schemaVersion: 1, targets: {} });
    const r = await run({ workspace: { 'mlops.yml': RELAXED, 'evidence.json': forged }, inputs: { evidence: 'evidence.json' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/evidence.*refused on pull request events/);
  });

  it('a PR that changes the workflows running the check is blocked (workflow-integrity)', async () => {
    api.reviews.set(PR, [APPROVED]);
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['.github/workflows/mlops.yml', 'src/train.py'] });
    const r = await run();
    notPass(r);
    expect(marked()[0]?.body).toMatch(/workflow-integrity/);
    expect(r.outputs['plan-hash'] ?? '').toBe('');
  });

  it('control: with an eligible approval and no workflow change, the same PR passes and is planned', async () => {
    api.reviews.set(PR, [APPROVED]);
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(r.outputs['plan-hash']).toMatch(/^sha256:/);
  });
});

describe('2. credentials never reach a config value, a message or a comment', () => {
  it('${DATABRICKS_TOKEN} in a config value is refused by name (exit 2), its value never shown', async () => {
    api.contents.set(BASE, new Map([['mlops.yml', config('[builtin:production]').replace('catalog: ml_dev', 'catalog: "ml_dev_${DATABRICKS_TOKEN}"')]]));
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/\$\{DATABRICKS_TOKEN\} names a credential/);
  });

  it('a secret a server echoes lower-cased is still redacted everywhere', async () => {
    // A non-credential variable that happens to hold the token: the server lower-cases the catalog name in its error.
    api.contents.set(BASE, new Map([['mlops.yml', config('[builtin:production]').replace('catalog: ml_dev', 'catalog: "ml_${CATALOG_SUFFIX}"')]]));
    const r = await run({ env: { CATALOG_SUFFIX: PAT } });
    notPass(r);
    const printed = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n') + r.summary;
    // The server did echo it (lower-cased catalog name in its error): the redaction caught it.
    expect(printed).toMatch(/\*\*\*/);
    expect(printed.toLowerCase()).not.toContain(PAT.toLowerCase());
  });

  it('a password in a host URL is refused at load, never echoed', async () => {
    api.contents.set(BASE, new Map([['mlops.yml', config().replaceAll('"${DATABRICKS_HOST}"', '"${WORKSPACE_URL}"')]]));
    const r = await run({ env: { WORKSPACE_URL: emulator.url.replace('http://', 'http://svc:hunter2pass@') }, secrets: ['hunter2pass'] });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/carries a user name or password/);
  });

  it('OAuth access tokens obtained at run time are masked for the runner', async () => {
    api.reviews.set(PR, [APPROVED]);
    const r = await run({ env: { DATABRICKS_TOKEN: '', DATABRICKS_AUTH_TYPE: 'oauth-m2m', DATABRICKS_CLIENT_ID: 'emulator-client', DATABRICKS_CLIENT_SECRET: 'emulator-secret' } });
    expect(r.code, r.stdout).toBe(0);
    const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice('::add-mask::'.length));
    // The client secret, the GitHub token, and the access token the exchange returned (in their spellings).
    expect(masks).toContain('emulator-secret');
    const obtained = masks.filter((m) => !/emulator-secret|ghs_testtoken|DAPIUPPERCASESECRET42/i.test(m));
    expect(obtained.length).toBeGreaterThan(0);
    for (const token of obtained) expect(r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain(token);
  });

  it('a GitHub API error body that echoes the token is redacted', async () => {
    api.failNext('GET', /\/pulls\/7\/files$/, { status: 422, body: { message: 'Validation failed for token ghs_testtoken' } });
    api.failNext('GET', /\/issues\/7\/comments$/, { status: 500, body: { message: 'internal error near ghs_testtoken' } }, { status: 500, body: { message: 'internal error near ghs_testtoken' } }, { status: 500, body: { message: 'internal error near ghs_testtoken' } }, { status: 500, body: { message: 'internal error near ghs_testtoken' } });
    const r = await run();
    expect(r.stdout).toMatch(/could not update the PR comment/);
  });
});

describe('3. approvals count only from people with write access, never from bots', () => {
  it('a bot and an account without write access do not approve builtin:production', async () => {
    api.permissions.set('alice-alt', 'read');
    api.reviews.set(PR, [
      { user: 'dependabot[bot]', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' },
      { user: 'github-actions[bot]', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:01:00Z' },
      { user: 'alice-alt', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:02:00Z' },
    ]);
    const r = await run();
    notPass(r);
    // The comment cell is kept short; the text report (and the result file) say who was not counted and why.
    expect(shown(marked()[0]?.body ?? '')).toMatch(/dependabot\[bot\] \(a bot account/);
    const report = r.stdout.replace(/\s+/g, ' ');
    expect(report).toMatch(/github-actions\[bot\] \(a bot account/);
    expect(report).toMatch(/alice-alt \(no write access to the repository\)/);
  });

  it('when the permission API is closed, author_association decides (a CONTRIBUTOR does not count)', async () => {
    await api.close();
    api = await startGitHubStandIn({ token: 'ghs_testtoken', permissionsForbidden: true });
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: [] });
    api.contents.set(BASE, new Map([['mlops.yml', config()]]));
    api.reviews.set(PR, [{ user: 'drive-by', association: 'CONTRIBUTOR', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }]);
    const r = await run();
    notPass(r);
    expect(shown(marked()[0]?.body ?? '')).toMatch(/drive-by \(no write access/);
  });
});

describe('4. the sticky comment is only ever the bot\'s own', () => {
  it('a comment the PR author wrote with the marker is never adopted, edited or deleted', async () => {
    const forged = api.addComment('acme', 'models', PR, '<!-- mlops-gate:plan:mlops.yml -->\n### mlops-gate plan\n\n✅ **PASS**: nothing blocks.', 'alice');
    const r = await run();
    notPass(r);
    const all = api.commentsOn('acme', 'models', PR);
    expect(all.find((c) => c.id === forged.id)?.body).toBe(forged.body);
    const mine = all.filter((c) => c.user.login === 'github-actions[bot]');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).not.toMatch(/✅ \*\*PASS\*\*: nothing blocks/);
  });

  it("a third person's comment quoting the marker is left alone", async () => {
    const quote = api.addComment('acme', 'models', PR, 'why does it say <!-- mlops-gate:plan:mlops.yml --> here?', 'carol');
    await run();
    expect(api.commentsOn('acme', 'models', PR).find((c) => c.id === quote.id)?.body).toBe(quote.body);
    expect(api.callsTo('DELETE', /\/issues\/comments\//)).toHaveLength(0);
  });

  it('an edited bot comment is put back: unchanged means the whole body, not a digest line', async () => {
    await run();
    const mine = marked()[0]!;
    mine.body = mine.body.replace(/FAIL/g, 'PASS');
    const patches = api.callsTo('PATCH', /\/issues\/comments\//).length;
    await run({ runId: 43 });
    expect(api.callsTo('PATCH', /\/issues\/comments\//).length).toBe(patches + 1);
    expect(marked()[0]!.body).toMatch(/FAIL/);
  });

  it('a filtered run keeps its own comment and never overwrites the full one', async () => {
    await run();
    await run({ inputs: { models: 'churn' }, runId: 44 });
    const bodies = api.commentsOn('acme', 'models', PR).map((c) => c.body.split('\n')[0]);
    expect(bodies).toEqual(['<!-- mlops-gate:plan:mlops.yml -->', '<!-- mlops-gate:plan:mlops.yml:models=churn -->']);
  });
});

describe('6. text from registries cannot inject into the comment', () => {
  it('tags and descriptions with HTML, mentions, links and a forged verdict stay inert text', async () => {
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${emulator.url}${path}`, { method, headers: { authorization: `Bearer ${PAT}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.text()).toBe(200);
    };
    const hostileText = '</details></table><h1>✅ PASS: approved</h1> cc @acme/admins @bob #1 [release notes](https://evil.example/x) <img src=x onerror=alert(1)>';
    await call('POST', '/api/2.0/mlflow/unity-catalog/model-versions/set-tag', { name: 'ml_dev.models.churn', version: '2', key: 'owner', value: hostileText });
    await call('PATCH', '/api/2.0/mlflow/unity-catalog/model-versions/update', { name: 'ml_dev.models.churn', version: '2', description: hostileText });
    api.contents.set(BASE, new Map([['mlops.yml', config('[builtin:production]')]]));
    const r = await run();
    notPass(r);
    const body = marked()[0]?.body ?? '';
    // Inside a fenced code block (the summary's text report) nothing renders: only the rendered markdown counts.
    const rendered = (md: string) => md.replace(/```[\s\S]*?```/g, '');
    for (const text of [rendered(body), rendered(r.summary)]) {
      expect(text, text.slice(text.search(/<h1>|<img|onerror|<\/table>/i) - 200, text.search(/<h1>|<img|onerror|<\/table>/i) + 100)).not.toMatch(/<h1>|<img|onerror|<\/table>/i);
      expect(text).not.toMatch(/\]\(https:\/\/evil\.example/);
      expect(text).not.toMatch(/(^|[^\u2060])@acme\/admins/);
      // Our own structure is intact: every <details> we opened is closed by us.
      expect(text.match(/<details/g)?.length ?? 0).toBe(text.match(/<\/details>/g)?.length ?? 0);
    }
  });
});

describe('5. hostile and silent servers cannot hold or flood the run', () => {
  it('an endless 200 from the registry is cut at the size limit: bounded memory, exit 3', async () => {
    const flood = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      res.write('{"x":"');
      pump();
      res.on('close', () => undefined);
    });
    try {
      const started = Date.now();
      const r = await run({ env: { DATABRICKS_HOST: flood.url, MLOPS_GATE_HTTP_MAX_RESPONSE_MB: '2' } });
      expect(r.code).toBe(3);
      expect(r.outputs.verdict).toBe('error');
      expect(r.summary + r.stdout).toMatch(/larger than 2 MiB/);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await flood.close();
    }
  });

  it('a registry that answers 404 to everything is an error (the config points at nothing), never a quiet skip', async () => {
    const nothing = await hostile((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'not found' }));
    });
    try {
      const r = await run({ env: { DATABRICKS_HOST: nothing.url } });
      expect(r.code).toBe(3);
      expect(r.outputs.verdict).toBe('error');
      expect(marked()[0]?.body).toMatch(/does not exist in dev: the config points at nothing/);
    } finally {
      await nothing.close();
    }
  });

  it('a GitHub API that never answers is given up on within the timeout', async () => {
    api.barrier('GET', /\/contents\//, 1000, 600_000);
    const started = Date.now();
    const r = await run({ env: { MLOPS_GATE_GITHUB_TIMEOUT_SECONDS: '1' } });
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 120_000);

  it('a token request is never re-sent through a redirect', async () => {
    const elsewhere = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token":"x","expires_in":3600}');
    });
    const workspace = await hostile((req, res) => {
      if (req.url?.startsWith('/oidc/.well-known')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ token_endpoint: `http://${req.headers.host}/oidc/v1/token` }));
      }
      res.writeHead(307, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    try {
      const r = await run({ env: { DATABRICKS_HOST: workspace.url, DATABRICKS_TOKEN: '', DATABRICKS_AUTH_TYPE: 'oauth-m2m', DATABRICKS_CLIENT_ID: 'sp', DATABRICKS_CLIENT_SECRET: 'sp-client-secret-9' } });
      notPass(r);
      expect(elsewhere.received).toEqual([]);
      expect(r.summary + r.stdout).toMatch(/never follow redirects/);
    } finally {
      await workspace.close();
      await elsewhere.close();
    }
  });

  it('a discovered token endpoint on another origin never receives the client secret', async () => {
    const elsewhere = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token":"x","expires_in":3600}');
    });
    const workspace = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token_endpoint: `${elsewhere.url}/oidc/v1/token` }));
    });
    try {
      const r = await run({ env: { DATABRICKS_HOST: workspace.url, DATABRICKS_TOKEN: '', DATABRICKS_AUTH_TYPE: 'oauth-m2m', DATABRICKS_CLIENT_ID: 'sp', DATABRICKS_CLIENT_SECRET: 'sp-client-secret-9' } });
      notPass(r);
      expect(elsewhere.received).toEqual([]);
      expect(r.summary + r.stdout).toMatch(/another origin/);
    } finally {
      await workspace.close();
      await elsewhere.close();
    }
  });
});

describe('the secret grep every action test runs', () => {
  it('catches a secret in any letter case, wherever it is', () => {
    expect(() => assertNoSecretLeaks(['s3cr3t-Value'], { summary: 'ok', comment: 'see S3CR3T-VALUE here' })).toThrow(/secret leaked in comment/);
    expect(() => assertNoSecretLeaks(['s3cr3t-Value'], { summary: 'ok', comment: 'nothing here' })).not.toThrow();
  });
});
