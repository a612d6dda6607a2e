// The `input_example.json` MLflow logs next to the MLmodel, read through the Files API as a
// scoring request body (blue_green's smoke request).

import { ApiError } from '../../errors.js';
import type { HttpClient } from '../http/types.js';
import { versionDirectory } from './files.js';

/**
 * pandas `split` orient (`{columns, data}`) → `dataframe_split`, a list of records →
 * `dataframe_records`, a body already in serving form as is. undefined when the model has none.
 */
export async function readInputExample(http: HttpClient, fullName: string, version: string): Promise<unknown> {
  let text: string;
  try {
    const res = await http.request<unknown>({
      method: 'GET',
      path: `/api/2.0/fs/files${versionDirectory(fullName, version)}/input_example.json`,
      endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/…',
      responseType: 'text',
    });
    text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  } catch (e) {
    if (e instanceof ApiError && (e.details.status === 404 || e.errorCode === 'NOT_FOUND' || e.errorCode === 'RESOURCE_DOES_NOT_EXIST')) return undefined;
    throw e;
  }
  let example: unknown;
  try {
    example = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(example)) return { dataframe_records: example };
  if (example && typeof example === 'object') {
    const o = example as Record<string, unknown>;
    if ('dataframe_split' in o || 'dataframe_records' in o || 'inputs' in o || 'instances' in o) return o;
    if ('columns' in o && 'data' in o) return { dataframe_split: o };
  }
  return undefined;
}
