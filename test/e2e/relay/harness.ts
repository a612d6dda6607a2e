// Runs `mlops-gate relay` in-process through the CLI (runCli) on a free port, and sends it
// deliveries signed the way MLflow signs them. Real HTTP throughout.

import { randomUUID } from 'node:crypto';
import { runCli } from '../../../src/cli.js';
import { signWebhook } from '../../../src/util/webhook-signature.js';

export interface RelayProcess {
  /** The webhook URL the relay printed (…/mlflow-webhook). */
  readonly url: string;
  /** Everything the relay wrote so far. */
  output(): string;
  /** Stops it like Ctrl-C; resolves with the exit code. */
  stop(): Promise<number>;
}

export async function startRelayCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<RelayProcess> {
  let out = '';
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  let listening: (url: string) => void = () => undefined;
  const started = new Promise<string>((resolve) => (listening = resolve));
  const code = runCli(['relay', '--port', '0', ...args], {
    stdout: (s) => {
      out += s;
      const m = s.match(/listening on (\S+)/);
      if (m) listening(m[1]!);
    },
    stderr: (s) => (out += s),
    env,
    cwd: process.cwd(),
    untilStopped: () => stopped,
  });
  const url = await Promise.race([started, code.then((c) => Promise.reject(new Error(`relay exited with ${c} before listening:\n${out}`)))]);
  return {
    url,
    output: () => out,
    stop: async () => {
      stopNow();
      return code;
    },
  };
}

export interface Delivery {
  readonly id: string;
  readonly timestamp: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A delivery as MLflow builds one (Python json.dumps spacing), signed with `secret`. */
export function mlflowDelivery(
  secret: string,
  event: { entity: string; action: string; data: Record<string, unknown> },
  options: { id?: string; timestamp?: number } = {},
): Delivery {
  const id = options.id ?? randomUUID();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const pyJson = (v: unknown): string => JSON.stringify(v).replace(/","/g, '", "').replace(/":/g, '": ').replace(/,"/g, ', "');
  const body = pyJson({ entity: event.entity, action: event.action, timestamp: new Date().toISOString(), data: event.data });
  return {
    id,
    timestamp,
    body,
    headers: {
      'content-type': 'application/json',
      'x-mlflow-delivery-id': id,
      'x-mlflow-timestamp': timestamp,
      'x-mlflow-signature': signWebhook(secret, id, timestamp, body),
    },
  };
}

export async function post(url: string, d: { headers: Record<string, string>; body: string | Uint8Array }): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

export const until = async (what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
