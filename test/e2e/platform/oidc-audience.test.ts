// GitHub OIDC token exchange against the emulator: the audience of the GitHub token is chosen as
// databricks-sdk-py chooses it (docs/fidelity.md #11): DATABRICKS_TOKEN_AUDIENCE, else the host
// metadata's token_federation_default_oidc_audiences[0], else the account id on an account host,
// else the token endpoint. Each workspace's federation policy accepts only its expected audience,
// so a wrong choice is refused by the emulator (401/403), not by this test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { databricksAuthFromEnv } from '../../../src/platform/http/auth.js';
import { createHttpClient } from '../../../src/platform/http/client.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:acme/churn:environment:prod';
const policy = (audience: string) => [{ clientId: 'gh-sp', issuer: ISSUER, subject: SUBJECT, audiences: [audience], principal: 'github-deployer-sp' }];

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    modules: defaultModules(),
    workspaces: [
      { id: 'plain', federationPolicies: policy('https://databricks.example/federation') },
      { id: 'listed', hostMetadata: { token_federation_default_oidc_audiences: ['https://databricks.example/federation', 'second'] }, federationPolicies: policy('https://databricks.example/federation') },
      { id: 'account', hostMetadata: { workspace_id: null, account_id: 'acc-7c1f' }, federationPolicies: policy('acc-7c1f') },
    ],
  });
});
afterAll(() => emu?.close());

const me = async (workspace: string, extra: Record<string, string> = {}) => {
  const base = emu.workspaceUrl(workspace);
  const auth = databricksAuthFromEnv(base, {
    DATABRICKS_AUTH_TYPE: 'github-oidc',
    DATABRICKS_CLIENT_ID: 'gh-sp',
    ACTIONS_ID_TOKEN_REQUEST_URL: `${emu.url}/__emulator/github-oidc/token?sub=${encodeURIComponent(SUBJECT)}`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'github-runner-token',
    ...extra,
  });
  const http = createHttpClient({ baseUrl: base, auth, maxAttempts: 1 });
  try {
    return (await http.request<{ userName?: string }>({ method: 'GET', path: '/api/2.0/preview/scim/v2/Me', endpoint: 'GET /api/2.0/preview/scim/v2/Me' })).body.userName;
  } finally {
    await http.close();
  }
};

describe('GitHub OIDC audience', () => {
  it('takes the first default audience the host metadata lists', async () => {
    expect(await me('listed')).toBe('github-deployer-sp');
  });

  it('takes the account id on an account host (metadata without a workspace id)', async () => {
    expect(await me('account')).toBe('github-deployer-sp');
  });

  it('DATABRICKS_TOKEN_AUDIENCE wins over the metadata (and a policy that does not list it refuses)', async () => {
    await expect(me('listed', { DATABRICKS_TOKEN_AUDIENCE: 'https://elsewhere.example' })).rejects.toThrow(/token exchange.*HTTP 40[13]/);
  });

  it('without metadata audiences, the token endpoint URL is the audience (the exact value: test/unit/http/auth.test.ts): a policy for another one refuses', async () => {
    await expect(me('plain')).rejects.toThrow(/token exchange.*HTTP 40[13]/);
    // …and accepts once the audience is the one it lists.
    expect(await me('plain', { DATABRICKS_TOKEN_AUDIENCE: 'https://databricks.example/federation' })).toBe('github-deployer-sp');
  });
});
