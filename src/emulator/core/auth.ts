// Authentication as Databricks does it for workspace APIs: bearer PATs, OAuth M2M
// (client_credentials with HTTP Basic) and token exchange of a GitHub-style OIDC JWT under a
// federation policy. OAuth access tokens are kept in memory and expire on the emulator clock.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorClock } from '../types.js';

export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Principal the issued tokens act as; default: the client id. */
  readonly principal?: string;
}

/** A service principal federation policy (what Databricks checks on a token-exchange request). */
export interface FederationPolicy {
  /** The service principal's application id, sent by the client as `client_id`. */
  readonly clientId: string;
  readonly issuer: string;
  readonly subject: string;
  /** Accepted `aud` values; the JWT must carry at least one of them. */
  readonly audiences: readonly string[];
  /** When set, the JWT must be HS256-signed with this secret; otherwise unsigned (`alg: none`) or HS256 are both accepted without signature check. */
  readonly hmacSecret?: string;
  readonly principal?: string;
}

export interface WorkspaceAuthConfig {
  /** token → principal. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly oauthClients: readonly OAuthClient[];
  readonly federationPolicies: readonly FederationPolicy[];
}

export const DEFAULT_TOKEN = 'dapi-emulator';
export const DEFAULT_PRINCIPAL = 'emulator-user@example.com';
export const DEFAULT_CLIENT_ID = 'emulator-client';
export const DEFAULT_CLIENT_SECRET = 'emulator-secret';

interface IssuedToken {
  readonly workspaceId: string;
  readonly principal: string;
  readonly expiresAt: number;
}

export type AuthOutcome =
  | { readonly ok: true; readonly principal: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly errorCode: string; readonly message: string };

export type TokenOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly body: Record<string, unknown> };

const safeEqual = (a: string, b: string): boolean => {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
};

const b64urlJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export class TokenIssuer {
  private readonly issued = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly ttlSeconds: number,
  ) {}

  clear(): void {
    this.issued.clear();
  }

  authenticate(headers: IncomingHttpHeaders, workspaceId: string, config: WorkspaceAuthConfig): AuthOutcome {
    const header = headers.authorization;
    if (!header || !/^Bearer\s+\S+/i.test(header)) {
      return {
        ok: false,
        status: 401,
        errorCode: 'UNAUTHENTICATED',
        message: 'Credential was not sent or was of an unsupported type for this API. Send "Authorization: Bearer <token>".',
      };
    }
    const token = header.replace(/^Bearer\s+/i, '').trim();
    const pat = Object.entries(config.tokens).find(([t]) => safeEqual(t, token));
    if (pat) return { ok: true, principal: pat[1] };
    const issued = this.issued.get(token);
    if (issued && issued.workspaceId === workspaceId) {
      if (issued.expiresAt <= this.clock.now()) {
        return { ok: false, status: 403, errorCode: 'PERMISSION_DENIED', message: 'Invalid access token: the OAuth token has expired.' };
      }
      return { ok: true, principal: issued.principal };
    }
    return { ok: false, status: 403, errorCode: 'PERMISSION_DENIED', message: 'Invalid access token.' };
  }

  private issue(workspaceId: string, principal: string): Record<string, unknown> {
    // Forget tokens long expired (kept one more lifetime so late use still says "expired").
    for (const [k, t] of this.issued) if (t.expiresAt + this.ttlSeconds * 1000 <= this.clock.now()) this.issued.delete(k);
    const token = `emu-oauth-${randomBytes(24).toString('hex')}`;
    this.issued.set(token, { workspaceId, principal, expiresAt: this.clock.now() + this.ttlSeconds * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds, scope: 'all-apis' };
  }

  /** POST /oidc/v1/token with an `application/x-www-form-urlencoded` body. */
  token(headers: IncomingHttpHeaders, form: URLSearchParams, workspaceId: string, config: WorkspaceAuthConfig): TokenOutcome {
    const grant = form.get('grant_type');
    const fail = (status: number, error: string, description: string): TokenOutcome => ({
      ok: false,
      status,
      body: { error, error_description: description },
    });
    if (grant === 'client_credentials') {
      let clientId = form.get('client_id') ?? undefined;
      let clientSecret = form.get('client_secret') ?? undefined;
      const basic = headers.authorization?.match(/^Basic\s+(.+)$/i);
      if (basic?.[1]) {
        const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        clientId = decodeURIComponent(decoded.slice(0, i));
        clientSecret = decodeURIComponent(decoded.slice(i + 1));
      }
      if (!clientId || clientSecret === undefined) return fail(401, 'invalid_client', 'Client authentication failed: no client credentials sent.');
      const client = config.oauthClients.find((c) => c.clientId === clientId);
      if (!client || !safeEqual(client.clientSecret, clientSecret)) {
        return fail(401, 'invalid_client', 'Client authentication failed: unknown client id or wrong secret.');
      }
      return { ok: true, body: this.issue(workspaceId, client.principal ?? client.clientId) };
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:token-exchange') {
      return this.exchange(form, workspaceId, config, fail);
    }
    return fail(400, 'unsupported_grant_type', `Grant type '${grant ?? ''}' is not supported.`);
  }

  private exchange(
    form: URLSearchParams,
    workspaceId: string,
    config: WorkspaceAuthConfig,
    fail: (status: number, error: string, description: string) => TokenOutcome,
  ): TokenOutcome {
    const jwt = form.get('subject_token');
    const clientId = form.get('client_id');
    if (!jwt) return fail(400, 'invalid_request', 'subject_token is required.');
    const parts = jwt.split('.');
    const header = parts[0] ? b64urlJson(parts[0]) : undefined;
    const claims = parts[1] ? b64urlJson(parts[1]) : undefined;
    if (parts.length !== 3 || !header || !claims) return fail(400, 'invalid_request', 'subject_token is not a JWT.');
    const candidates = config.federationPolicies.filter((p) => !clientId || p.clientId === clientId);
    if (candidates.length === 0) return fail(401, 'invalid_client', `No federation policy for client id '${clientId ?? ''}'.`);
    const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : claims.aud !== undefined ? [String(claims.aud)] : [];
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    if (exp !== undefined && exp * 1000 <= this.clock.now()) return fail(400, 'invalid_grant', 'subject_token has expired.');
    for (const policy of candidates) {
      if (claims.iss !== policy.issuer || claims.sub !== policy.subject) continue;
      if (!aud.some((a) => policy.audiences.includes(a))) continue;
      if (policy.hmacSecret) {
        if (header.alg !== 'HS256') continue;
        const expected = createHmac('sha256', policy.hmacSecret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
        if (!safeEqual(expected, parts[2] ?? '')) continue;
      } else if (header.alg !== 'none' && header.alg !== 'HS256') {
        continue;
      }
      return { ok: true, body: this.issue(workspaceId, policy.principal ?? policy.clientId) };
    }
    return fail(
      401,
      'invalid_grant',
      `subject_token does not match any federation policy (checked issuer, subject, audience${candidates.some((p) => p.hmacSecret) ? ', HS256 signature' : ''}).`,
    );
  }
}

/** Build a test JWT (unsigned `alg: none`, or HS256 when a secret is given). */
export const makeTestJwt = (claims: Record<string, unknown>, hmacSecret?: string): string => {
  const header = Buffer.from(JSON.stringify({ alg: hmacSecret ? 'HS256' : 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = hmacSecret ? createHmac('sha256', hmacSecret).update(`${header}.${payload}`).digest('base64url') : '';
  return `${header}.${payload}.${signature}`;
};
