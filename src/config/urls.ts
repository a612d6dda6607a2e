// Server URLs in mlops.yml must not carry credentials (`https://user:password@host`): a URL is
// shown in reports, PR comments, result files and registry journal tags. Credentials come from the
// environment variables the tool reads itself (MLFLOW_TRACKING_USERNAME/PASSWORD, DATABRICKS_TOKEN, …).

import type { Diagnostic } from '../errors.js';
import { asRecord, entriesOf, type RawRecord } from './raw.js';
import { pointerJoin, positionOf, type SourceDocument } from './source.js';

const URL_FIELDS = ['tracking_uri', 'host'] as const;

const hasUserinfo = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i.test(value);
  }
};

export function checkEnvironmentUrls(doc: SourceDocument, root: RawRecord): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, raw] of entriesOf(root.environments)) {
    const env = asRecord(raw) ?? {};
    for (const field of URL_FIELDS) {
      const value = env[field];
      if (typeof value !== 'string' || !hasUserinfo(value)) continue;
      const path = pointerJoin(pointerJoin('/environments', name), field);
      // Never echo the value: it holds the credentials.
      out.push({
        severity: 'error',
        code: 'credentials-in-url',
        message: `environment "${name}": ${field} carries a user name or password (user:password@host); credentials in a URL would be shown in reports, comments and tags`,
        path,
        position: positionOf(doc, path),
        hint: field === 'tracking_uri' ? 'set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) instead' : 'use DATABRICKS_TOKEN or OAuth (DATABRICKS_CLIENT_ID/SECRET) instead',
      });
    }
  }
  return out;
}
