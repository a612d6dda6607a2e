// Pure: the result documents of the legs of a sharded release (`--shard I/N` in a GitHub Actions
// matrix) merged into one, so one summary and one exit code say how the whole release went. The
// legs must have run the same command on the same config; a target reported by two legs is refused
// (the legs overlapped, which sharding never does).

import { UsageError } from '../errors.js';
import { RESULT_SCHEMA_VERSION, type RequestAccounting, type ResultDocument, type TargetReport } from './types.js';
import { resultDocument } from './build.js';

const keyOf = (t: Pick<TargetReport, 'model' | 'from' | 'to'>): string => `${t.model}:${t.from}->${t.to}`;

/** Checks the shape at the edge: what JSON.parse gave is a result document, or a usage error naming the file. */
export function parseResultDocument(name: string, text: string): ResultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: not valid JSON: ${(e as Error).message}`);
  }
  const d = doc as Partial<ResultDocument> | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.targets) || typeof d.command !== 'string' || !d.config || typeof d.config.digest !== 'string') {
    throw new UsageError(`${name}: not an mlops-gate result document (expected "command", "config" and "targets")`);
  }
  if (d.schemaVersion !== RESULT_SCHEMA_VERSION) throw new UsageError(`${name}: result schemaVersion ${String(d.schemaVersion)}; this mlops-gate reads ${RESULT_SCHEMA_VERSION}`);
  return d as ResultDocument;
}

const sumRequests = (all: readonly (RequestAccounting | null)[]): RequestAccounting | null => {
  const present = all.filter((r): r is RequestAccounting => r !== null);
  if (present.length === 0) return null;
  const byEndpoint: Record<string, number> = {};
  for (const r of present) for (const [k, v] of Object.entries(r.byEndpoint)) byEndpoint[k] = (byEndpoint[k] ?? 0) + v;
  return {
    total: present.reduce((a, r) => a + r.total, 0),
    byEndpoint: Object.fromEntries(Object.entries(byEndpoint).sort(([a], [b]) => a.localeCompare(b))),
    bytesReceived: present.reduce((a, r) => a + r.bytesReceived, 0),
    bytesSent: present.reduce((a, r) => a + r.bytesSent, 0),
    retries: present.reduce((a, r) => a + r.retries, 0),
    // The legs ran side by side: the release took as long as its longest leg.
    wallMs: Math.max(...present.map((r) => r.wallMs)),
  };
};

/**
 * One document from the legs' documents. Targets keep `order` (target keys in config order) when
 * given, else the legs' order; diagnostics are de-duplicated; the verdict is recomputed.
 */
export function mergeResults(legs: readonly { readonly name: string; readonly doc: ResultDocument }[], order?: readonly string[]): ResultDocument {
  if (legs.length === 0) throw new UsageError('merge-results: no result files to merge');
  const [first] = legs;
  for (const leg of legs) {
    if (leg.doc.command !== first!.doc.command) throw new UsageError(`merge-results: ${leg.name} is a ${leg.doc.command} result, ${first!.name} a ${first!.doc.command} result; merge the legs of one step`);
    if (leg.doc.config.digest !== first!.doc.config.digest) {
      throw new UsageError(`merge-results: ${leg.name} and ${first!.name} were run on different configs (${leg.doc.config.digest} vs ${first!.doc.config.digest}); every leg must check out the same commit`);
    }
  }
  const from = new Map<string, string>();
  const targets: TargetReport[] = [];
  for (const leg of legs) {
    for (const t of leg.doc.targets) {
      const k = keyOf(t);
      const seen = from.get(k);
      if (seen !== undefined) throw new UsageError(`merge-results: ${t.model} ${t.from} → ${t.to} is in both ${seen} and ${leg.name}; the legs overlap (use --shard I/N with the same N in every leg)`);
      from.set(k, leg.name);
      targets.push(t);
    }
  }
  if (order) {
    const rank = new Map(order.map((k, i) => [k, i] as const));
    const at = (t: TargetReport): number => rank.get(keyOf(t)) ?? Number.MAX_SAFE_INTEGER;
    targets.sort((a, b) => at(a) - at(b));
  }
  const seenDiagnostics = new Set<string>();
  const diagnostics = legs.flatMap((l) => l.doc.diagnostics).filter((d) => {
    const k = JSON.stringify([d.severity, d.code, d.message, d.path]);
    if (seenDiagnostics.has(k)) return false;
    seenDiagnostics.add(k);
    return true;
  });
  const latest = legs.map((l) => l.doc.generatedAt).sort().at(-1)!;
  return resultDocument({
    command: first!.doc.command,
    config: first!.doc.config,
    targets,
    diagnostics,
    now: new Date(latest),
    requests: sumRequests(legs.map((l) => l.doc.requests)),
  });
}
