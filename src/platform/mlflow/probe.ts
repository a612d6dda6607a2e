// What `mlops-gate doctor` asks an MLflow server, read-only: its version, the model registry, the
// artifact proxy, and the registered models mlops.yml names. Every answer is data.

import type { HttpClient } from '../http/types.js';
import { mlflowProtocolCaller } from '../http/protocol.js';
import { answerOf } from '../unity-catalog/probe.js';

const API = '/api/2.0/mlflow';

export function mlflowReadProbes(http: HttpClient) {
  const call = mlflowProtocolCaller(http, API);
  return {
    /** `GET /version` answers the server's version as text (mlflow/server/__init__.py). */
    version: () => answerOf(http.request<string>({ method: 'GET', path: '/version', responseType: 'text', endpoint: 'GET /version' }).then((r) => r.body)),
    registry: () => answerOf(call('GET', '/registered-models/search', { max_results: 1 }, true)),
    artifacts: () =>
      answerOf(http.request({ method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts', query: { path: '' }, endpoint: 'GET /api/2.0/mlflow-artifacts/artifacts' }).then((r) => r.body)),
    model: (name: string) => answerOf(call('GET', '/registered-models/get', { name }, true)),
  };
}
