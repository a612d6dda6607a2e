// The caller's identity (`/api/2.0/preview/scim/v2/Me`): lets clients check which principal a
// token or OAuth client acts as. The SDK's files client also reads `X-Databricks-Org-Id` from it.

import type { EmulatorModule } from './types.js';
import { groupsOf } from './permissions/index.js';

export const identityModule: EmulatorModule = {
  name: 'identity',
  initState: () => ({}),
  routes(table) {
    table.add('GET', '/api/2.0/preview/scim/v2/Me', (req) => ({
      body: {
        id: String(Math.abs([...req.principal].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7))),
        userName: req.principal,
        displayName: req.principal,
        active: true,
        groups: groupsOf(req.workspace, req.principal).map((g) => ({ display: g, value: g })),
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      },
    }));
  },
};
