// Batched registry reads for an open-source MLflow server: every registered model a run asks about
// in the same tick is read with one `registered-models/search` (`name IN (...)`: the model, its
// tags and every alias) and one `model-versions/search` (`name IN (...)`: every version with its
// tags, run id and source) per chunk of names, instead of one alias lookup, model read and tag
// search per object. Shared by the evidence reader and, in a read-only run, the promotion preview,
// so the preview reuses what gathering read (docs/fidelity.md #172-#176 for the server behaviour).
//
// The batch is an optimisation, never a requirement: a refused filter (a server before `IN`, a
// proxy that rejects the URL) or a page guard passed answers `undefined`, and the caller reads
// that object the per-object way. A refusal is remembered for the run (one failed batch, not one
// per chunk).

import type { HttpClient } from '../http/types.js';
import { filterLiteral, type WireModelVersion, type WireRegisteredModel } from './wire.js';

const API = '/api/2.0/mlflow';

/** One registered model as read by the batch: null = the model does not exist. */
export interface MlflowModelSnapshot {
  readonly model: WireRegisteredModel & { readonly tags?: readonly { key?: string; value?: string }[] };
  /** Every version (the server leaves out deleted ones), ascending by number. */
  readonly versions: readonly WireModelVersion[];
}

export interface MlflowBatchReader {
  /** The model's snapshot, null when it does not exist, undefined when the batch could not answer. */
  snapshot(name: string): Promise<MlflowModelSnapshot | null | undefined>;
}

export interface MlflowBatchOptions {
  readonly http: HttpClient;
  /** Longest `name IN (...)` filter, characters (the names travel in the GET query string). Default 3000. */
  readonly maxFilterChars?: number;
  /** Names per chunk at most. Default 100 (registered-models/search answers at most 1000 per page). */
  readonly maxNames?: number;
  /** `max_results` per page of either search. Default 1000 (`registered-models/search` allows at most 1000). */
  readonly pageSize?: number;
  /** Pages followed per search before the batch gives up for that chunk (the page guard). Default 4. */
  readonly maxPages?: number;
}

type Page<K extends string, T> = { readonly [key in K]?: T[] } & { readonly next_page_token?: string };

class BatchRefused extends Error {}

export function createMlflowBatchReader(options: MlflowBatchOptions): MlflowBatchReader {
  const { http } = options;
  const maxFilterChars = options.maxFilterChars ?? 3000;
  const maxNames = options.maxNames ?? 100;
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? 4;
  const results = new Map<string, Promise<MlflowModelSnapshot | null | undefined>>();
  let pending: { name: string; resolve: (s: MlflowModelSnapshot | null | undefined) => void }[] = [];
  let scheduled = false;
  let refused = false;

  const pages = async <K extends string, T>(path: string, field: K, filter: string, extra: Record<string, string> = {}): Promise<T[]> => {
    const out: T[] = [];
    let token: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= maxPages) throw new BatchRefused(`${path}: more than ${maxPages} pages`);
      const body = (
        await http.request<Page<K, T>>({ method: 'GET', path: `${API}${path}`, query: { filter, max_results: pageSize, page_token: token, ...extra }, endpoint: `GET ${API}${path}` })
      ).body;
      out.push(...((body[field] as T[] | undefined) ?? []));
      token = body.next_page_token || undefined;
      if (!token) return out;
    }
  };

  const readChunk = async (names: readonly string[]): Promise<Map<string, MlflowModelSnapshot | null> | undefined> => {
    if (refused) return undefined;
    const filter = `name IN (${names.map(filterLiteral).join(', ')})`;
    try {
      const [models, versions] = await Promise.all([
        pages<'registered_models', MlflowModelSnapshot['model']>('/registered-models/search', 'registered_models', filter),
        pages<'model_versions', WireModelVersion>('/model-versions/search', 'model_versions', filter),
      ]);
      const out = new Map<string, MlflowModelSnapshot | null>(names.map((n) => [n, null]));
      const byName = new Map<string, WireModelVersion[]>();
      for (const v of versions) if (typeof v.name === 'string') byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
      for (const m of models) {
        if (typeof m.name !== 'string' || !out.has(m.name)) continue;
        const own = (byName.get(m.name) ?? []).sort((a, b) => Number(a.version) - Number(b.version));
        out.set(m.name, { model: m, versions: own });
      }
      return out;
    } catch (e) {
      // Any failure of the batch sends these names down the per-object path, which reports its
      // own errors (and retries) exactly as without the batch. A refusal of the filter itself is
      // remembered: the server does not batch.
      if (!(e instanceof BatchRefused) && isRefusal(e)) refused = true;
      return undefined;
    }
  };

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    const chunks: (typeof batch)[] = [];
    let current: typeof batch = [];
    let chars = 0;
    for (const item of batch) {
      const size = item.name.length + 4;
      if (current.length > 0 && (current.length >= maxNames || chars + size > maxFilterChars)) {
        chunks.push(current);
        current = [];
        chars = 0;
      }
      current.push(item);
      chars += size;
    }
    if (current.length) chunks.push(current);
    for (const chunk of chunks) {
      void readChunk(chunk.map((c) => c.name)).then((found) => {
        for (const c of chunk) c.resolve(found ? found.get(c.name) ?? null : undefined);
      });
    }
  };

  return {
    snapshot(name) {
      let result = results.get(name);
      if (!result) {
        let quotable = true;
        try {
          filterLiteral(name);
        } catch {
          quotable = false;
        }
        if (!quotable || name.length > maxFilterChars) {
          result = Promise.resolve(undefined);
        } else {
          result = new Promise((resolve) => pending.push({ name, resolve }));
          if (!scheduled) {
            scheduled = true;
            // Every lookup started in this turn of the event loop joins the same batch.
            setImmediate(flush);
          }
        }
        results.set(name, result);
      }
      return result;
    },
  };
}

/** The server refused the batch itself (unknown comparator, bad filter, route unknown, URL too long). */
const isRefusal = (e: unknown): boolean => {
  const details = (e as { details?: { status?: number | null } } | null)?.details;
  const status = details?.status ?? null;
  return status === 400 || status === 404 || status === 414 || status === 501;
};
