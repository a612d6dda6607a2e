// Unity Catalog namespaces: catalogs, schemas and tables (`/api/2.1/unity-catalog/...`). Other
// modules use the exported helpers: the registry checks that a model's catalog and schema exist,
// the monitors module registers the tables it monitors and the metric tables it creates.

import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorModule, EmulatorRequest, RouteTable, Workspace } from '../types.js';
import { alreadyExists, compact, invalidParameter, notFound, optInt, optString, paginate, reqString, slice } from '../core/helpers.js';

export const CATALOG_MODULE = 'catalog';
export const METASTORE_ID = 'emulator-metastore-0000';

export interface CatalogRecord {
  name: string;
  id: string;
  comment?: string;
  owner: string;
  created_at: number;
  updated_at: number;
}

export interface SchemaRecord {
  name: string;
  catalog_name: string;
  schema_id: string;
  comment?: string;
  owner: string;
  created_at: number;
  updated_at: number;
}

export interface ColumnRecord {
  name: string;
  type_name: string;
  type_text?: string;
  nullable?: boolean;
  comment?: string;
}

export interface TableRecord {
  name: string;
  catalog_name: string;
  schema_name: string;
  table_id: string;
  table_type: string;
  data_source_format: string;
  columns: ColumnRecord[];
  comment?: string;
  owner: string;
  created_at: number;
  updated_at: number;
}

export interface CatalogState {
  catalogs: Record<string, CatalogRecord>;
  /** Keyed by `catalog.schema`. */
  schemas: Record<string, SchemaRecord>;
  /** Keyed by `catalog.schema.table`. */
  tables: Record<string, TableRecord>;
}

const state = (ws: Workspace): CatalogState => {
  const s = slice<CatalogState | undefined>(ws, CATALOG_MODULE);
  if (!s) throw new Error('The catalog module is not installed in this emulator.');
  return s;
};

const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** Unity Catalog object names (docs sql-ref-names): at most 255 characters. */
export const MAX_UC_NAME = 255;

/**
 * One part of a Unity Catalog name, as the docs state the limits for every object name
 * (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-names): at most 255 characters;
 * no period, space, forward slash, ASCII control character (00-1F) or DELETE (7F). Hyphens are
 * allowed (SQL needs backquotes around them).
 */
export const checkUcNamePart = (kind: string, name: string, full = name): void => {
  if (name === '') throw invalidParameter(`Invalid ${kind} name '${full}': a name part is empty.`);
  if (name.length > MAX_UC_NAME) throw invalidParameter(`Invalid ${kind} name '${full.slice(0, 80)}…': object names cannot exceed ${MAX_UC_NAME} characters (${name.length}).`);
  // eslint-disable-next-line no-control-regex
  const bad = /[. /\u0000-\u001f\u007f]/.exec(name);
  if (bad) {
    const ch = bad[0];
    const what = ch === '.' ? 'a period' : ch === ' ' ? 'a space' : ch === '/' ? 'a forward slash' : `the control character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalidParameter(`Invalid ${kind} name ${JSON.stringify(full)}: it contains ${what}, which Unity Catalog object names do not allow.`);
  }
};

const checkName = (kind: string, name: string): void => {
  checkUcNamePart(kind, name);
  if (!NAME_RE.test(name)) {
    throw invalidParameter(`Invalid ${kind} name '${name}': use letters, digits, '_' or '-' (no dots, spaces or slashes).`);
  }
};

export const catalogExists = (ws: Workspace, catalog: string): boolean => Boolean(state(ws).catalogs[catalog]);

/** Throws the Databricks NOT_FOUND error unless `catalog.schema` exists. */
export const requireSchema = (ws: Workspace, catalog: string, schema: string): SchemaRecord => {
  const s = state(ws);
  if (!s.catalogs[catalog]) throw notFound(`Catalog '${catalog}' does not exist.`, 'CATALOG_DOES_NOT_EXIST');
  const rec = s.schemas[`${catalog}.${schema}`];
  if (!rec) throw notFound(`Schema '${catalog}.${schema}' does not exist.`, 'SCHEMA_DOES_NOT_EXIST');
  return rec;
};

export const getSchemaById = (ws: Workspace, schemaId: string): SchemaRecord | undefined =>
  Object.values(state(ws).schemas).find((s) => s.schema_id === schemaId);

export const ensureCatalog = (ws: Workspace, name: string, now: number, owner = 'emulator-admin'): CatalogRecord => {
  const s = state(ws);
  checkName('catalog', name);
  s.catalogs[name] ??= { name, id: randomUUID(), owner, created_at: now, updated_at: now };
  return s.catalogs[name]!;
};

export const ensureSchema = (ws: Workspace, catalog: string, name: string, now: number, owner = 'emulator-admin'): SchemaRecord => {
  ensureCatalog(ws, catalog, now, owner);
  checkName('schema', name);
  const s = state(ws);
  s.schemas[`${catalog}.${name}`] ??= { name, catalog_name: catalog, schema_id: randomUUID(), owner, created_at: now, updated_at: now };
  return s.schemas[`${catalog}.${name}`]!;
};

/** Register (or replace the columns of) a table; its schema must exist. */
export const addTable = (
  ws: Workspace,
  fullName: string,
  opts: { columns?: ColumnRecord[]; tableType?: string; comment?: string; now: number; owner?: string },
): TableRecord => {
  const parts = fullName.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) throw invalidParameter(`Table name '${fullName}' must be catalog.schema.table.`);
  const [catalog, schema, name] = parts as [string, string, string];
  requireSchema(ws, catalog, schema);
  const s = state(ws);
  const existing = s.tables[fullName];
  const rec: TableRecord = {
    name,
    catalog_name: catalog,
    schema_name: schema,
    table_id: existing?.table_id ?? randomUUID(),
    table_type: opts.tableType ?? existing?.table_type ?? 'MANAGED',
    data_source_format: 'DELTA',
    columns: opts.columns ?? existing?.columns ?? [],
    comment: opts.comment ?? existing?.comment,
    owner: opts.owner ?? existing?.owner ?? 'emulator-admin',
    created_at: existing?.created_at ?? opts.now,
    updated_at: opts.now,
  };
  s.tables[fullName] = rec;
  return rec;
};

export const getTable = (ws: Workspace, fullName: string): TableRecord | undefined => state(ws).tables[fullName];

export const getTableById = (ws: Workspace, tableId: string): TableRecord | undefined =>
  Object.values(state(ws).tables).find((t) => t.table_id === tableId);

const catalogInfo = (c: CatalogRecord) =>
  compact({
    name: c.name,
    full_name: c.name,
    id: c.id,
    comment: c.comment,
    owner: c.owner,
    metastore_id: METASTORE_ID,
    catalog_type: 'MANAGED_CATALOG',
    isolation_mode: 'OPEN',
    created_at: c.created_at,
    created_by: c.owner,
    updated_at: c.updated_at,
  });

const schemaInfo = (s: SchemaRecord) =>
  compact({
    name: s.name,
    catalog_name: s.catalog_name,
    full_name: `${s.catalog_name}.${s.name}`,
    schema_id: s.schema_id,
    comment: s.comment,
    owner: s.owner,
    metastore_id: METASTORE_ID,
    created_at: s.created_at,
    created_by: s.owner,
    updated_at: s.updated_at,
  });

export const tableInfo = (t: TableRecord) =>
  compact({
    name: t.name,
    catalog_name: t.catalog_name,
    schema_name: t.schema_name,
    full_name: `${t.catalog_name}.${t.schema_name}.${t.name}`,
    table_id: t.table_id,
    table_type: t.table_type,
    data_source_format: t.data_source_format,
    columns: t.columns.map((c, i) => compact({ ...c, type_text: c.type_text ?? c.type_name.toLowerCase(), position: i, nullable: c.nullable ?? true })),
    comment: t.comment,
    owner: t.owner,
    metastore_id: METASTORE_ID,
    storage_location: `s3://emulator-metastore/${t.table_id}`,
    created_at: t.created_at,
    created_by: t.owner,
    updated_at: t.updated_at,
  });

const pageSize = (req: EmulatorRequest): number => {
  const n = optInt(req, 'max_results') ?? 0;
  if (n < 0) throw invalidParameter('max_results must be >= 0.');
  return n === 0 ? 1000 : Math.min(n, 1000);
};

interface CatalogFixture {
  catalogs?: Array<{ name: string; comment?: string; owner?: string; schemas?: Array<string | { name: string; comment?: string; owner?: string }> }>;
  tables?: Array<{ name: string; columns?: ColumnRecord[]; table_type?: string; comment?: string }>;
}

export const catalogModule: EmulatorModule = {
  name: CATALOG_MODULE,
  initState: (): CatalogState => ({ catalogs: {}, schemas: {}, tables: {} }),
  seed(ws, fixture, ctx) {
    const fx = fixture as CatalogFixture;
    const now = ctx.clock.now();
    for (const c of fx.catalogs ?? []) {
      const cat = ensureCatalog(ws, c.name, now, c.owner);
      if (c.comment) cat.comment = c.comment;
      for (const s of c.schemas ?? []) {
        const sc = ensureSchema(ws, c.name, typeof s === 'string' ? s : s.name, now, (typeof s !== 'string' ? s.owner : undefined) ?? c.owner);
        if (typeof s !== 'string' && s.comment) sc.comment = s.comment;
      }
    }
    for (const t of fx.tables ?? []) addTable(ws, t.name, { columns: t.columns, tableType: t.table_type, comment: t.comment, now });
  },
  routes(table: RouteTable, ctx: EmulatorContext) {
    const base = '/api/2.1/unity-catalog';
    table.add('POST', `${base}/catalogs`, (req) => {
      const name = reqString(req, 'name');
      checkName('catalog', name);
      if (state(req.workspace).catalogs[name]) throw alreadyExists(`Catalog '${name}' already exists.`, 'CATALOG_ALREADY_EXISTS');
      const c = ensureCatalog(req.workspace, name, ctx.clock.now(), req.principal);
      c.comment = optString(req, 'comment');
      ctx.changed();
      return { body: catalogInfo(c) };
    });
    table.add('GET', `${base}/catalogs`, (req) => {
      const all = Object.values(state(req.workspace).catalogs).sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(all, pageSize(req), optString(req, 'page_token'));
      return { body: compact({ catalogs: page.items.map(catalogInfo), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${base}/catalogs/:name`, (req) => {
      const c = state(req.workspace).catalogs[req.params.name!];
      if (!c) throw notFound(`Catalog '${req.params.name}' does not exist.`, 'CATALOG_DOES_NOT_EXIST');
      return { body: catalogInfo(c) };
    });
    table.add('DELETE', `${base}/catalogs/:name`, (req) => {
      const s = state(req.workspace);
      const name = req.params.name!;
      if (!s.catalogs[name]) throw notFound(`Catalog '${name}' does not exist.`, 'CATALOG_DOES_NOT_EXIST');
      const children = Object.values(s.schemas).filter((x) => x.catalog_name === name);
      if (children.length > 0 && req.query.get('force') !== 'true') {
        throw invalidParameter(`Catalog '${name}' is not empty; pass force=true to delete it with its schemas.`);
      }
      for (const x of children) delete s.schemas[`${x.catalog_name}.${x.name}`];
      delete s.catalogs[name];
      ctx.changed();
      return { body: {} };
    });

    table.add('POST', `${base}/schemas`, (req) => {
      const name = reqString(req, 'name');
      const catalog = reqString(req, 'catalog_name');
      checkName('schema', name);
      const s = state(req.workspace);
      if (!s.catalogs[catalog]) throw notFound(`Catalog '${catalog}' does not exist.`, 'CATALOG_DOES_NOT_EXIST');
      if (s.schemas[`${catalog}.${name}`]) throw alreadyExists(`Schema '${catalog}.${name}' already exists.`, 'SCHEMA_ALREADY_EXISTS');
      const rec = ensureSchema(req.workspace, catalog, name, ctx.clock.now(), req.principal);
      rec.comment = optString(req, 'comment');
      ctx.changed();
      return { body: schemaInfo(rec) };
    });
    table.add('GET', `${base}/schemas`, (req) => {
      const catalog = reqString(req, 'catalog_name');
      const s = state(req.workspace);
      if (!s.catalogs[catalog]) throw notFound(`Catalog '${catalog}' does not exist.`, 'CATALOG_DOES_NOT_EXIST');
      const all = Object.values(s.schemas)
        .filter((x) => x.catalog_name === catalog)
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(all, pageSize(req), optString(req, 'page_token'));
      return { body: compact({ schemas: page.items.map(schemaInfo), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${base}/schemas/:full_name`, (req) => {
      const [catalog = '', schema = ''] = req.params.full_name!.split('.');
      return { body: schemaInfo(requireSchema(req.workspace, catalog, schema)) };
    });
    table.add('DELETE', `${base}/schemas/:full_name`, (req) => {
      const [catalog = '', schema = ''] = req.params.full_name!.split('.');
      requireSchema(req.workspace, catalog, schema);
      const s = state(req.workspace);
      for (const key of Object.keys(s.tables)) if (key.startsWith(`${catalog}.${schema}.`)) delete s.tables[key];
      delete s.schemas[`${catalog}.${schema}`];
      ctx.changed();
      return { body: {} };
    });

    table.add('GET', `${base}/tables`, (req) => {
      const catalog = reqString(req, 'catalog_name');
      const schema = reqString(req, 'schema_name');
      requireSchema(req.workspace, catalog, schema);
      const all = Object.values(state(req.workspace).tables)
        .filter((t) => t.catalog_name === catalog && t.schema_name === schema)
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(all, pageSize(req), optString(req, 'page_token'));
      return { body: compact({ tables: page.items.map(tableInfo), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${base}/tables/:full_name`, (req) => {
      const t = getTable(req.workspace, req.params.full_name!);
      if (!t) throw notFound(`Table '${req.params.full_name}' does not exist.`, 'TABLE_DOES_NOT_EXIST');
      return { body: tableInfo(t) };
    });
  },
};
