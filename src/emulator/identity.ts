// The caller's identity (`/api/2.0/preview/scim/v2/Me`): lets clients check which principal a
// token or OAuth client acts as. The SDK's files client also reads `X-Databricks-Org-Id` from it.

import type { EmulatorContext, EmulatorModule, RouteTable } from './types.js';
import { groupsOf } from './permissions/index.js';

export const identityModule: EmulatorModule = {
  name: 'identity',
  initState: () => ({}),
  routes(table: RouteTable, ctx: EmulatorContext) {
    table.add('GET', '/api/2.0/preview/scim/v2/Me', (req) => ({
      body: {
        id: String(Math.abs([...req.principal].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7))),
        // Strict `uc-me-service-principal`: a principal that is not an e-mail (a service principal's
        // application id) is answered with applicationId, and a userName that is not the grant name.
        ...(ctx.strict('uc-me-service-principal') && !req.principal.includes('@')
          ? { applicationId: req.principal, userName: `Service principal ${req.principal}` }
          : { userName: req.principal }),
        displayName: req.principal,
        active: true,
        groups: groupsOf(req.workspace, req.principal).map((g) => ({ display: g, value: g })),
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      },
    }));
  },
};
