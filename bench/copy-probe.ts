// One Unity Catalog copy in a process of its own, so its peak memory can be read: the UC writer's
// createModel and createVersion, exactly as the promotion's steps call them (create, stream the
// files, digest, finalize). `node --import ./bench/register.mjs bench/copy-probe.ts` with COPY_PROBE set to
// {"url", "token", "source": "c.s.m", "version", "destination": "c.s.m"}; prints one JSON line.
// Used by test/e2e/platform/uc-copy-memory.test.ts (memory stays flat) and bench/copy.ts.

import { createHttpClient, createRequestLedger } from '../src/platform/http/index.js';
import { createUnityCatalogPromotionRegistry } from '../src/platform/unity-catalog/writer.js';
import { COPY_IDENTITY_KEY } from '../src/registry/journal.js';

const args = JSON.parse(process.env.COPY_PROBE ?? '{}') as { url: string; token: string; source: string; version: string; destination: string };
const ledger = createRequestLedger();
const http = createHttpClient({ baseUrl: args.url, auth: { headers: async () => ({ authorization: `Bearer ${args.token}` }) }, ledger });
const registry = createUnityCatalogPromotionRegistry({ http, registryId: `${args.url}#${args.destination.split('.').slice(0, 2).join('.')}` });
const started = performance.now();
await registry.createModel(args.destination);
const version = await registry.createVersion({
  name: args.destination,
  source: `models:/${args.source}/${args.version}`,
  runId: null,
  tags: { [COPY_IDENTITY_KEY]: `probe-${Date.now()}` },
});
const ms = performance.now() - started;
await http.close();
const snap = ledger.snapshot();
process.stdout.write(
  `${JSON.stringify({
    version: version.version,
    status: version.status,
    ms,
    maxRssKiB: process.resourceUsage().maxRSS,
    requests: snap.total,
    bytesReceived: Object.values(snap.byEndpoint).reduce((a, s) => a + s.bytesReceived, 0),
    bytesSent: Object.values(snap.byEndpoint).reduce((a, s) => a + s.bytesSent, 0),
  })}\n`,
);
