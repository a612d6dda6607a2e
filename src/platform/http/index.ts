// Public surface of the HTTP layer for platform adapters.
export { createHttpClient, parseRetryAfter, type ClosableHttpClient, type HttpClientOptions } from './client.js';
export { databricksAuthFromEnv, mlflowAuthFromEnv, type DatabricksAuth, type DatabricksAuthOptions, type FetchLike, type NamedAuthProvider } from './auth.js';
export { createRequestLedger, endpointLabel } from './ledger.js';
export { decodeErrorBody, type DecodedError } from './error-body.js';
export { proxyFor, proxySettingsFromEnv, type Env, type ProxySettings } from './proxy.js';
export { redact, REDACTED } from './redact.js';
export type * from './types.js';
