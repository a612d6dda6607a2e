// The read-only checks of `mlops-gate doctor`, each from the answers its probe got (pure).

import { ENTITY_LABELS, HEALTH_FAMILIES, METRIC_FAMILIES, entityLabelsIn, hasFamily, type MetricsExport } from '../endpoint/metrics.js';
import type { Answer, DoctorCheck } from './types.js';
import { describeFailure } from './types.js';

const MISSING = ['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND', 'CATALOG_DOES_NOT_EXIST', 'SCHEMA_DOES_NOT_EXIST', 'TABLE_DOES_NOT_EXIST'];

/** No HTTP answer at all: the host is not reachable (or credentials were refused before any request). */
export const unreachable = (a: Answer<unknown>): boolean => !a.ok && a.status === null;

export function reachableCheck(environment: string, host: string, first: Answer<unknown>): DoctorCheck {
  return unreachable(first) && !first.ok
    ? { environment, check: 'reachable', status: 'fail', detail: `${host}: ${first.message}`, fix: 'check the host in mlops.yml, the network path (proxy: HTTPS_PROXY / NO_PROXY) and the credentials variables' }
    : { environment, check: 'reachable', status: 'pass', detail: `${host} answered`, fix: null };
}

export function identityCheck(environment: string, me: Answer<{ userName?: string; displayName?: string }>, authKind: string): DoctorCheck {
  const check = 'who am I';
  if (me.ok) {
    const name = me.body.userName ?? me.body.displayName ?? '(no userName)';
    return { environment, check, status: 'pass', detail: `${name} (auth: ${authKind})`, fix: null };
  }
  const auth = me.status === 401 || me.status === 403;
  return {
    environment,
    check,
    status: 'fail',
    detail: `SCIM Me: ${describeFailure(me)} (auth: ${authKind})`,
    fix: auth
      ? 'the credentials were refused: check DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID/SECRET, or the federation policy for GitHub OIDC), per environment DATABRICKS_TOKEN_<ENV>'
      : 'see the error; the other checks of this environment may fail for the same reason',
  };
}

/** A catalog, schema or model: exists, is absent (fine or not), or cannot be read. */
export function existsCheck(
  environment: string,
  what: string,
  answer: Answer<unknown>,
  absent: { readonly status: 'pass' | 'warn' | 'fail'; readonly detail: string; readonly fix: string | null },
  detail = 'exists',
): DoctorCheck {
  if (answer.ok) return { environment, check: what, status: 'pass', detail, fix: null };
  if (answer.errorCode !== null && MISSING.includes(answer.errorCode)) return { environment, check: what, ...absent };
  return {
    environment,
    check: what,
    status: 'fail',
    detail: describeFailure(answer),
    fix: answer.status === 403 ? 'grant the principal USE CATALOG / USE SCHEMA (and EXECUTE on models), or check the name in mlops.yml' : 'see the error',
  };
}

export function filesApiCheck(environment: string, answer: Answer<{ is_databricks_sdk_models_artifact_repository_enabled?: boolean }>, copiesInto: boolean): DoctorCheck {
  const check = 'model files through the Files API';
  if (!answer.ok) return { environment, check, status: 'fail', detail: describeFailure(answer), fix: 'see the error' };
  const flag = answer.body.is_databricks_sdk_models_artifact_repository_enabled;
  if (flag === true) return { environment, check, status: 'pass', detail: 'is-databricks-sdk-models-artifact-repository-enabled: true', fix: null, ledger: [53] };
  return {
    environment,
    check,
    status: copiesInto ? 'fail' : 'warn',
    detail: `is-databricks-sdk-models-artifact-repository-enabled: ${flag === undefined ? 'absent (false)' : String(flag)}`,
    fix: copiesInto
      ? 'promote (copy mode) uploads model files through the Files API and refuses without it; ask Databricks to enable it for the workspace, or use promotion: alias'
      : 'evidence reads a version\'s MLmodel under /Models/… and may be refused without it (docs/fidelity.md #66)',
    ledger: [53, 66],
  };
}

export function modelFilesCheck(environment: string, model: string, version: string, answer: Answer<unknown>): DoctorCheck {
  const check = `model files of ${model} v${version}`;
  return answer.ok
    ? { environment, check, status: 'pass', detail: 'listed through the Files API (/Models/…)', fix: null, ledger: [62, 66] }
    : {
        environment,
        check,
        status: 'fail',
        detail: describeFailure(answer),
        fix: answer.status === 403 ? 'grant EXECUTE on the model (it covers its files), or enable the Files API for models (row "model files through the Files API")' : 'see the error',
        ledger: [62, 66],
      };
}

export function endpointCheck(environment: string, name: string, answer: Answer<{ state?: { ready?: string; config_update?: string } }>): DoctorCheck {
  const check = `serving endpoint ${name}`;
  if (answer.ok) return { environment, check, status: 'pass', detail: `readable: ${answer.body.state?.ready ?? '?'}, ${answer.body.state?.config_update ?? '?'}`, fix: null, ledger: [68, 70] };
  if (answer.errorCode !== null && MISSING.includes(answer.errorCode)) return { environment, check, status: 'pass', detail: 'does not exist yet: promote creates it', fix: null, ledger: [69] };
  return { environment, check, status: 'fail', detail: describeFailure(answer), fix: answer.status === 403 ? 'give the principal CAN MANAGE on the endpoint (or CAN QUERY to read it)' : 'see the error', ledger: [68] };
}

/** Does the export answer with the families and the per-entity label the health check reads? */
export function metricsCheck(environment: string, endpoint: string, answer: Answer<MetricsExport>, entityLabel: string | null): DoctorCheck {
  const check = `metrics export of ${endpoint}`;
  if (!answer.ok) return { environment, check, status: 'fail', detail: describeFailure(answer), fix: 'canary and blue-green health checks read this export: give the principal access to the endpoint', ledger: [83] };
  const exp = answer.body;
  const missing = HEALTH_FAMILIES.filter((f) => !hasFamily(exp, f));
  if (missing.length) {
    return {
      environment,
      check,
      status: 'fail',
      detail: `no ${missing.join(', ')} (families seen: ${[...new Set([...exp.types.keys(), ...exp.series.map((s) => s.name)])].slice(0, 12).join(', ') || 'none'})`,
      fix: 'the health check cannot judge without them: every canary and blue-green health check would abort; report the names this workspace uses',
      ledger: [84],
    };
  }
  const types = `${METRIC_FAMILIES.requests} ${exp.types.get(METRIC_FAMILIES.requests) ?? 'untyped'}`;
  const labels = [...(entityLabel ? [entityLabel] : []), ...ENTITY_LABELS.filter((l) => l !== entityLabel)];
  const found = entityLabelsIn(exp, labels);
  const requests = exp.series.filter((s) => s.name === METRIC_FAMILIES.requests);
  const stamped = requests.some((s) => s.timestampMs !== null) ? 'with timestamps' : 'without timestamps';
  if (found.length) {
    const gauge = exp.types.get(METRIC_FAMILIES.requests) === 'counter' ? ' (declared counter, not the documented gauge: read as cumulative)' : '';
    return { environment, check, status: 'pass', detail: `${types}${gauge}, ${stamped}; served entities labelled by ${found.join(', ')}`, fix: null, ledger: [84, 85, 86] };
  }
  const total = requests.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
  if (requests.length > 0 && total > 0) {
    return {
      environment,
      check,
      status: 'fail',
      detail: `${types}: ${total} request(s) in the latest minute, none labelled by served entity (labels seen: ${[...new Set(requests.flatMap((s) => Object.keys(s.labels)))].join(', ') || 'none'})`,
      fix: 'set serving.health.entity_label to the label that names the served entity, if one of those does; otherwise health checks cannot pass here',
      ledger: [86],
    };
  }
  return {
    environment,
    check,
    status: 'warn',
    detail: `${types}, ${stamped}; no request series in the latest minute (no traffic?): which label names the served entity cannot be confirmed`,
    fix: `run doctor again while the endpoint takes traffic; the health check looks for ${labels.join(', ')}`,
    ledger: [86],
  };
}

export function monitorCheck(environment: string, table: string, api: string, state: Answer<{ state: string; message?: string }>): DoctorCheck {
  const check = `monitor API (${api}) for ${table}`;
  if (!state.ok) {
    const gone = state.errorCode === 'ENDPOINT_NOT_FOUND' || state.errorCode === 'FEATURE_DISABLED';
    return { environment, check, status: 'fail', detail: describeFailure(state), fix: gone ? `the ${api} monitoring API is not available here: try monitor.api: ${api === 'legacy' ? 'data-quality' : 'legacy'}` : 'see the error' };
  }
  const s = state.body;
  if (s.state === 'failed') return { environment, check, status: 'warn', detail: `answers; ${s.message ?? 'the table or output schema is missing'}`, fix: 'the inference table appears once the endpoint has served requests with inference tables on', ledger: [102] };
  return { environment, check, status: 'pass', detail: `answers; the monitor is ${s.state === 'same' ? 'as configured' : s.state === 'absent' ? 'absent (promote creates it)' : 'different (promote updates it)'}`, fix: null, ledger: [92, 98] };
}

// ---- MLflow

export function mlflowVersionCheck(environment: string, uri: string, answer: Answer<string>): DoctorCheck {
  if (!answer.ok) {
    return unreachable(answer)
      ? { environment, check: 'reachable', status: 'fail', detail: `${uri}: ${answer.message}`, fix: 'check tracking_uri in mlops.yml and the network path' }
      : { environment, check: 'server version', status: 'warn', detail: `GET /version: ${describeFailure(answer)}`, fix: 'an MLflow server answers /version; behind a proxy that hides it, the other checks still tell' };
  }
  const version = answer.body.trim().slice(0, 40);
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? NaN);
  return {
    environment,
    check: 'server version',
    status: Number.isFinite(major) && major < 2 ? 'warn' : 'pass',
    detail: `MLflow ${version}`,
    fix: Number.isFinite(major) && major < 2 ? 'aliases need MLflow ≥ 2.3; mlops-gate is tested against MLflow 3' : null,
  };
}

export function mlflowRegistryCheck(environment: string, answer: Answer<unknown>): DoctorCheck {
  return answer.ok
    ? { environment, check: 'model registry', status: 'pass', detail: 'registered-models/search answers', fix: null, ledger: [21] }
    : { environment, check: 'model registry', status: 'fail', detail: describeFailure(answer), fix: answer.status === 401 || answer.status === 403 ? 'check MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN' : 'the server needs a database-backed model registry (--backend-store-uri)', ledger: [21] };
}

export function artifactProxyCheck(environment: string, answer: Answer<unknown>, transfersInto: boolean): DoctorCheck {
  const check = 'artifact proxy';
  if (answer.ok) return { environment, check, status: 'pass', detail: 'mlflow-artifacts answers', fix: null, ledger: [33, 34] };
  return {
    environment,
    check,
    status: transfersInto ? 'fail' : 'warn',
    detail: describeFailure(answer),
    fix: transfersInto
      ? 'a copy from another server transfers artifacts through the proxy: start the server with --serve-artifacts (the default)'
      : 'needed only to copy between two servers (--serve-artifacts, the default)',
    ledger: [33, 34],
  };
}
