// The MLflow REST convention (also used by Databricks' MLflow-UC endpoints): GET sends the fields
// as query parameters, every other method as a JSON body (MLflow utils/rest_utils.py).

import type { HttpClient, HttpMethod } from './types.js';

export type ProtocolCall = <T>(method: HttpMethod, path: string, payload: Record<string, unknown>, idempotent: boolean) => Promise<T>;

/** A caller for endpoints under `prefix` (e.g. `/api/2.0/mlflow`), labelled per endpoint in the ledger. */
export const mlflowProtocolCaller =
  (http: HttpClient, prefix: string): ProtocolCall =>
  async <T>(method: HttpMethod, path: string, payload: Record<string, unknown>, idempotent: boolean): Promise<T> => {
    const endpoint = `${method} ${prefix}${path}`;
    const req =
      method === 'GET'
        ? { method, path: `${prefix}${path}`, query: payload as Record<string, string | number | undefined>, endpoint, memo: true }
        : { method, path: `${prefix}${path}`, body: payload, idempotent, endpoint };
    return (await http.request<T>(req)).body;
  };
