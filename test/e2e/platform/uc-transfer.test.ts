// The streaming copy of Unity Catalog model files (src/platform/unity-catalog/transfer.ts) on the
// Databricks emulator, between two workspaces: one PUT below 50 MiB, the SDK's multipart protocol
// above (part sizes, presigned part URLs without credentials, ETags, complete-upload), the content
// digest computed on the way, and what happens when things fail: part retries, expired URLs, a
// download that breaks off (resumed by Range), a refused first part (single-PUT fallback), a part
// that keeps failing (the session is aborted) and a re-run that keeps what landed.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { createHttpClient, createRequestLedger, type ClosableHttpClient } from '../../../src/platform/http/index.js';
import { copyVersionFiles, listEntries, partSizeFor } from '../../../src/platform/unity-catalog/transfer.js';

const MIB = 1024 * 1024;
let emu: RunningEmulator;
const clients: ClosableHttpClient[] = [];
const ledger = createRequestLedger();

const client = (workspace: 'dev' | 'prod'): ClosableHttpClient => {
  const token = workspace === 'dev' ? 'dapi-dev' : 'dapi-prod';
  const http = createHttpClient({
    baseUrl: emu.workspaceUrl(workspace),
    auth: { headers: async () => ({ authorization: `Bearer ${token}` }) },
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    retryAfterJitterMs: 0,
    ledger,
  });
  clients.push(http);
  return http;
};

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    modules: defaultModules(),
    tickMs: 0,
    seed: {
      workspaces: {
        dev: { tokens: { 'dapi-dev': 'ml-engineer@example.com' }, catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }] } },
        prod: { tokens: { 'dapi-prod': 'deployer@example.com' }, catalog: { catalogs: [{ name: 'prod', schemas: ['ml'] }] } },
      },
    },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

const SRC = '/Models/dev/ml/churn/1';
const DST = '/Models/prod/ml/churn/1';

/** A file of `size` pseudo-random bytes made in the source workspace. */
const generate = async (rel: string, size: number, seed = 7): Promise<void> => {
  const res = await fetch(`${emu.workspaceUrl('dev')}/__emulator/files/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: `${SRC}/${rel}`, size, seed }),
  });
  expect(res.status).toBe(200);
};

const small = async (rel: string, text: string): Promise<void> => {
  await client('dev').request({ method: 'PUT', path: `/api/2.0/fs/files${SRC}/${rel}`, body: new TextEncoder().encode(text), query: { overwrite: 'true' } });
};

/** sha256 of a file in a workspace, read as a stream. */
const shaOf = async (workspace: 'dev' | 'prod', path: string): Promise<string> => {
  const res = await client(workspace).stream({ method: 'GET', path: `/api/2.0/fs/files${path}` });
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk);
  return hash.digest('hex');
};

const copy = async (extra: { onFile?: Parameters<typeof copyVersionFiles>[0]['onFile'] } = {}) => {
  const source = client('dev');
  return copyVersionFiles({ source, sourceDir: SRC, files: await listEntries(source, SRC), destination: client('prod'), destinationDir: DST, ...extra });
};

const routes = () => emu.admin.requests().counts;
const since = (before: Record<string, number>, route: string): number => (routes()[route] ?? 0) - (before[route] ?? 0);

describe('streaming copy of a model version', () => {
  it('sends small files in one PUT and large ones in SDK-sized parts through presigned URLs, digesting on the way', async () => {
    await small('MLmodel', 'artifact_path: model\n');
    await generate('model.safetensors', 120 * MIB);
    const before = routes();
    const result = await copy();

    expect(partSizeFor(120 * MIB)).toBe(10 * MIB);
    expect(since(before, 'PUT /__presigned/parts/:ticket')).toBe(12);
    expect(since(before, 'POST /api/2.0/fs/create-upload-part-urls')).toBe(12);
    expect(since(before, 'POST /api/2.0/fs/files/*path')).toBe(2); // initiate-upload, complete-upload
    expect(since(before, 'PUT /api/2.0/fs/files/*path')).toBe(1); // MLmodel
    // Presigned URLs carry their own signature: the emulator refuses credentials on them, and none were refused.
    expect(emu.admin.requests().entries.filter((e) => e.path.startsWith('/__presigned/') && e.status !== 200)).toEqual([]);

    const bigSha = await shaOf('prod', `${DST}/model.safetensors`);
    expect(bigSha).toBe(await shaOf('dev', `${SRC}/model.safetensors`));
    const expected = `sha256:${createHash('sha256')
      .update(`MLmodel\n${createHash('sha256').update('artifact_path: model\n').digest('hex')}\nmodel.safetensors\n${bigSha}`)
      .digest('hex')}`;
    expect(result.digest).toBe(expected);
    expect(result).toMatchObject({ bytes: 120 * MIB + 21, kept: 0 });
  });

  it('retries a failed part on its own and asks for a new URL when one expired', async () => {
    await generate('model.bin', 60 * MIB);
    emu.admin.addFault({ kind: 'error', method: 'PUT', path: '/__presigned/parts/*', status: 503, skip: 2, times: 2 });
    emu.admin.addFault({ kind: 'error', method: 'PUT', path: '/__presigned/parts/*', status: 403, errorCode: 'AccessDenied', message: 'Request has expired', skip: 5, times: 1 });
    const before = routes();
    await copy();
    expect(since(before, 'POST /api/2.0/fs/create-upload-part-urls')).toBe(7); // 6 parts + 1 for the expired URL
    expect(since(before, 'PUT /__presigned/parts/:ticket')).toBe(9); // 6 + 2 retries + 1 expired
    expect(await shaOf('prod', `${DST}/model.bin`)).toBe(await shaOf('dev', `${SRC}/model.bin`));
  });

  it('takes a complete-upload whose answer was lost as done when the retry finds the session gone and the file whole', async () => {
    await generate('model.bin', 55 * MIB);
    // The second POST on the file is complete-upload (the first is initiate-upload).
    emu.admin.addFault({ kind: 'lost_response', then: 'reset', method: 'POST', path: '/api/2.0/fs/files/Models/prod/*', skip: 1, times: 1 });
    const before = routes();
    await copy();
    expect(since(before, 'POST /api/2.0/fs/files/*path')).toBe(3); // initiate, complete (lost), complete again (404: done)
    expect(await shaOf('prod', `${DST}/model.bin`)).toBe(await shaOf('dev', `${SRC}/model.bin`));
  });

  it('sends a download again when its answer is lost before the headers, without uploading anything twice', async () => {
    await generate('model.bin', 30 * MIB);
    emu.admin.addFault({ kind: 'lost_response', then: 'reset', method: 'GET', path: '/api/2.0/fs/files/Models/dev/*', times: 1 });
    const before = routes();
    await copy();
    expect(since(before, 'GET /api/2.0/fs/files/*path')).toBeGreaterThanOrEqual(2);
    expect(since(before, 'PUT /api/2.0/fs/files/*path')).toBeGreaterThanOrEqual(1);
    expect(await shaOf('prod', `${DST}/model.bin`)).toBe(await shaOf('dev', `${SRC}/model.bin`));
  });

  it('falls back to one Files API PUT when the first part is refused (an Azure storage firewall), as the SDK does', async () => {
    await generate('model.bin', 55 * MIB);
    emu.admin.addFault({ kind: 'error', method: 'PUT', path: '/__presigned/parts/*', status: 403, errorCode: 'AuthorizationFailure', message: 'This request is not authorized to perform this operation.', times: 1 });
    const before = routes();
    await copy();
    expect(since(before, 'POST /api/2.0/fs/create-abort-upload-url')).toBe(1);
    expect(since(before, 'DELETE /__presigned/abort/:ticket')).toBe(1);
    expect(since(before, 'PUT /api/2.0/fs/files/*path')).toBe(1);
    expect(await shaOf('prod', `${DST}/model.bin`)).toBe(await shaOf('dev', `${SRC}/model.bin`));
  });

  it('aborts the session when a part keeps failing; the re-run keeps the files that landed and redoes only the one that did not', async () => {
    await small('MLmodel', 'artifact_path: model\n');
    await small('conda.yaml', 'name: churn\n');
    await generate('model.bin', 70 * MIB);
    emu.admin.addFault({ kind: 'error', method: 'PUT', path: '/__presigned/parts/*', status: 500, skip: 3, times: 50 });
    const failed = await copy().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ApiError);
    expect(routes()['DELETE /__presigned/abort/:ticket']).toBe(1);
    const landed = (await listEntries(client('prod'), DST)).map((f) => f.rel);
    expect(landed).toEqual(['MLmodel', 'conda.yaml']);

    emu.admin.clearFaults();
    const before = routes();
    const events: string[] = [];
    const result = await copy({ onFile: (e) => events.push(`${e.action} ${e.rel}`) });
    expect(events.sort()).toEqual(['copied model.bin', 'kept MLmodel', 'kept conda.yaml']);
    expect(since(before, 'PUT /api/2.0/fs/files/*path')).toBe(0);
    expect(since(before, 'PUT /__presigned/parts/:ticket')).toBe(7);
    expect(result.kept).toBe(2);
    // The digest is the same as a copy that never failed.
    await emu.admin.reset();
    await small('MLmodel', 'artifact_path: model\n');
    await small('conda.yaml', 'name: churn\n');
    await generate('model.bin', 70 * MIB);
    expect((await copy()).digest).toBe(result.digest);
  });

  it('answers 412 to a ranged read whose If-Unmodified-Since is older than the file (what the resume relies on)', async () => {
    await generate('model.bin', 2 * MIB);
    const http = client('dev');
    const first = await http.stream({ method: 'GET', path: `/api/2.0/fs/files${SRC}/model.bin`, headers: { range: 'bytes=0-99' } });
    first.cancel();
    expect(first.status).toBe(206);
    const stamp = first.headers['last-modified']!;
    const same = await http.stream({ method: 'GET', path: `/api/2.0/fs/files${SRC}/model.bin`, headers: { range: 'bytes=100-199', 'if-unmodified-since': stamp } });
    same.cancel();
    expect(same.status).toBe(206);
    const older = new Date(Date.parse(stamp) - 60_000).toUTCString();
    const error = await http.stream({ method: 'GET', path: `/api/2.0/fs/files${SRC}/model.bin`, headers: { range: 'bytes=100-199', 'if-unmodified-since': older } }).then(
      () => null,
      (e: unknown) => e as ApiError,
    );
    expect(error?.details.status).toBe(412);
  });
});
