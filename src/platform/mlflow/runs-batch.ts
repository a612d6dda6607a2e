// Batched run reads for an open-source MLflow server: the runs a gathering asks for in the same
// tick are read with `runs/search` and `attributes.run_id IN (...)` (MLflow's search grammar,
// docs/fidelity.md #174-#176) instead of one `runs/get` each. Search needs the experiments to
// search: they are listed once per run with `experiments/search` (one page; a server with more
// experiments than a page is read run by run). A run the search does not return, a refused filter
// or a page guard passed all answer `undefined`: the caller reads that run with `runs/get`.
//
// Databricks documents only `=, !=, >, >=, <, <=` for `runs/search` (fidelity #177), so Unity
// Catalog environments do not batch runs.

import type { HttpClient } from '../http/types.js';
import { filterLiteral, type WireRun } from './wire.js';

const API = '/api/2.0/mlflow';

export interface MlflowRunBatchOptions {
  readonly http: HttpClient;
  /** Run ids per `runs/search`. Default 100. */
  readonly chunk?: number;
  /** `max_results` of `experiments/search` (the page guard: more experiments, no batch). Default 1000. */
  readonly maxExperiments?: number;
}

export interface MlflowRunBatch {
  /** The run as search answered it; undefined: read it with `runs/get`. */
  run(runId: string): Promise<WireRun | undefined>;
}

export function createMlflowRunBatch(options: MlflowRunBatchOptions): MlflowRunBatch {
  const { http } = options;
  const chunkSize = options.chunk ?? 100;
  const maxExperiments = options.maxExperiments ?? 1000;
  const results = new Map<string, Promise<WireRun | undefined>>();
  let pending: { id: string; resolve: (r: WireRun | undefined) => void }[] = [];
  let scheduled = false;
  let off = false;
  let experiments: Promise<string[] | null> | null = null;

  const post = async <T>(path: string, body: unknown): Promise<T> =>
    (await http.request<T>({ method: 'POST', path: `${API}${path}`, body, idempotent: true, read: true, endpoint: `POST ${API}${path}` })).body;

  /** Every experiment id (active or deleted), or null when there are more than one page holds. */
  const experimentIds = (): Promise<string[] | null> =>
    (experiments ??= post<{ experiments?: { experiment_id?: string }[]; next_page_token?: string }>('/experiments/search', {
      max_results: maxExperiments,
      view_type: 'ALL',
    }).then(
      (b) => (b.next_page_token ? null : (b.experiments ?? []).map((e) => e.experiment_id).filter((id): id is string => typeof id === 'string')),
      () => null,
    ));

  const readChunk = async (ids: readonly string[]): Promise<Map<string, WireRun> | undefined> => {
    if (off) return undefined;
    const experimentsToSearch = await experimentIds();
    if (!experimentsToSearch || experimentsToSearch.length === 0) return undefined;
    try {
      const body = await post<{ runs?: WireRun[]; next_page_token?: string }>('/runs/search', {
        experiment_ids: experimentsToSearch,
        filter: `attributes.run_id IN (${ids.map(filterLiteral).join(', ')})`,
        run_view_type: 'ALL',
        max_results: ids.length,
      });
      const out = new Map<string, WireRun>();
      for (const run of body.runs ?? []) {
        const id = run.info?.run_id ?? run.info?.run_uuid;
        if (typeof id === 'string') out.set(id, run);
      }
      return out;
    } catch {
      // The per-run path reports its own errors; a refused filter turns the batch off for the run.
      off = true;
      return undefined;
    }
  };

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += chunkSize) {
      const chunk = batch.slice(i, i + chunkSize);
      void readChunk(chunk.map((c) => c.id)).then((found) => {
        for (const c of chunk) c.resolve(found?.get(c.id));
      });
    }
  };

  return {
    run(runId) {
      let result = results.get(runId);
      if (!result) {
        // Run ids are hex; anything a filter literal cannot carry goes the per-run way.
        if (!/^[\w-]{1,64}$/.test(runId)) return Promise.resolve(undefined);
        result = new Promise((resolve) => pending.push({ id: runId, resolve }));
        results.set(runId, result);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      }
      return result;
    },
  };
}
