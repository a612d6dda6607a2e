// Memory stays flat as the model grows: the same Unity Catalog copy (bench/copy-probe.ts, the
// writer's createVersion in a process of its own) of a 16 MiB and of a 256 MiB model on the
// emulator; the peak resident memory of the larger copy is within a few MiB of the smaller one's.
// The 2 GiB case is `npm run bench:copy` (disk and time), not part of npm test.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';

const MIB = 1024 * 1024;
const REPO = new URL('../../..', import.meta.url).pathname;
const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    modules: defaultModules(),
    tickMs: 0,
    seed: {
      workspaces: {
        default: {
          tokens: { 'dapi-emulator': 'deployer@example.com' },
          catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
          registry: { models: ['small', 'large'].map((name) => ({ name: `dev.ml.${name}`, versions: [{ signature: SIGNATURE }] })) },
        },
      },
    },
  });
  for (const [name, size] of [['small', 16 * MIB], ['large', 256 * MIB]] as const) {
    const res = await fetch(`${emu.url}/__emulator/files/generate`, { method: 'POST', body: JSON.stringify({ path: `/Models/dev/ml/${name}/1/model.bin`, size }) });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await emu?.close();
});

const probe = (source: string, destination: string): Promise<{ status: string; maxRssKiB: number; bytesSent: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './bench/register.mjs', 'bench/copy-probe.ts'], {
      cwd: REPO,
      env: { ...process.env, COPY_PROBE: JSON.stringify({ url: emu.url, token: 'dapi-emulator', source, version: '1', destination }) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`probe exited ${code}: ${err}`))));
  });

describe('Unity Catalog copy memory', () => {
  it('copies a 256 MiB model in about the memory of a 16 MiB one', async () => {
    const small = await probe('dev.ml.small', 'prod.ml.small');
    const large = await probe('dev.ml.large', 'prod.ml.large');
    expect(small.status).toBe('READY');
    expect(large.status).toBe('READY');
    expect(large.bytesSent).toBeGreaterThan(256 * MIB);
    const growthMiB = (large.maxRssKiB - small.maxRssKiB) / 1024;
    // Whole-file buffering would add at least 256 MiB (the file) and usually twice that.
    console.log(`peak RSS ${Math.round(small.maxRssKiB / 1024)} MiB (16 MiB model) → ${Math.round(large.maxRssKiB / 1024)} MiB (256 MiB model)`);
    expect(growthMiB, `peak RSS ${small.maxRssKiB / 1024} MiB → ${large.maxRssKiB / 1024} MiB`).toBeLessThan(48);
  }, 240_000);
});
