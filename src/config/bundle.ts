// Pure: a Databricks Asset Bundle (`databricks.yml`) as mlops-gate needs it: the serving endpoints,
// registered models and quality monitors it declares, per target, with the file:line:column of each.
// Read through the same bounded file reading as the config (LoadDeps.readFile), plus a directory
// listing for `include` globs. What the CLI does, as far as names and ownership go
// (github.com/databricks/cli): `include` globs relative to the bundle root with Go's filepath.Glob
// (`*` never crosses `/`; `**` is a `*`); a target's `variables` over the defaults; a target's
// `resources` merged into the base (maps merge, scalars are replaced, sequences are concatenated;
// grants merge by principal); `mode: development` prefixes endpoint and registered-model names with
// `dev_<short_name>_`; `${var.x}`, `${bundle.target}`, `${bundle.name}`, `${workspace.host}` and
// `${resources.<kind>.<key>.<field>}` interpolated. Lookup variables, deploy-time `--var` values and
// the deploying user are not known here: such values stay unresolved and are said to be so.

import type { Diagnostic, SourcePosition } from '../errors.js';
import { asArray, asRecord, asString, entriesOf } from './raw.js';
import { parseSource, pointerJoin, positionOf, type SourceDocument } from './source.js';
import type { Bundle, BundleEndpoint, BundleModel, BundleMonitor, BundleTarget } from './bundle-types.js';

export type { Bundle, BundleEndpoint, BundleModel, BundleMonitor, BundleTarget, Declared } from './bundle-types.js';

/** A directory's entries, or null when it does not exist. */
export type ListDir = (path: string) => readonly { readonly name: string; readonly dir: boolean }[] | null;

export interface BundleDeps {
  readonly readFile: (path: string) => string | null;
  readonly listDir?: ListDir;
}

type Raw = Record<string, unknown>;

const MAX_FILES = 200;
const RESOURCE_KINDS = ['model_serving_endpoints', 'registered_models', 'quality_monitors'] as const;

const dirname = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.');
const join = (dir: string, rel: string): string => (dir === '.' || dir === '' ? rel : `${dir.replace(/\/+$/, '')}/${rel}`);

/** Go `filepath.Match` for one path segment: `*`, `?`, `[...]` (`**` behaves as `*`). */
export function segmentMatches(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(name);
}

/**
 * The CLI's normalizePrefix for endpoint and registered-model names: `[dev ann] ` → `dev_ann_`
 * (brackets dropped, letters and digits kept lower-case, anything else one `_`, `_` after a `]`).
 */
export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/\[/g, '').trim();
  const normalized = p
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return normalized + (p.endsWith(']') ? '_' : '');
}

const isGlob = (p: string): boolean => /[*?[]/.test(p);

/** Files matching a relative glob under `root`, sorted (filepath.Glob). */
function expandGlob(root: string, pattern: string, listDir: ListDir): string[] {
  let current = [''];
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!isGlob(part)) {
        next.push(dir ? `${dir}/${part}` : part);
        continue;
      }
      for (const entry of listDir(join(root, dir || '.')) ?? []) {
        if (last ? entry.dir : !entry.dir) continue;
        if (segmentMatches(part, entry.name)) next.push(dir ? `${dir}/${entry.name}` : entry.name);
      }
    }
    current = next;
  }
  return current.sort();
}

/** Deep merge as the CLI merges a target into the base: maps merge, scalars replace, sequences concatenate. */
function merge(base: unknown, over: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  const a = asRecord(base);
  const b = asRecord(over);
  if (a && b) {
    const out: Raw = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

/** Grants merge by principal (the MergeGrants mutator): privileges of one principal are combined. */
const mergeGrants = (grants: unknown): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const g of asArray(grants)) {
    const r = asRecord(g) ?? {};
    const principal = asString(r.principal);
    if (!principal) continue;
    out[principal] = [...new Set([...(out[principal] ?? []), ...asArray(r.privileges).map((p) => String(p).toUpperCase().replace(/\s+/g, '_'))])].sort();
  }
  return out;
};

const REF = /\$\{([A-Za-z_][\w.\-[\]]*)\}/g;

interface Resolver {
  resolve(value: unknown): unknown;
}

/** Interpolation for one target. Unknown references stay as written and are collected. */
function resolverFor(opts: {
  readonly bundleName: string;
  readonly target: string;
  readonly host: string | null;
  readonly variables: Raw;
  readonly resources: Raw;
  readonly prefix: string;
  readonly unresolved: Set<string>;
}): Resolver {
  const lookup = (ref: string, depth: number): { ok: true; value: unknown } | { ok: false } => {
    if (depth > 10) return { ok: false };
    if (ref === 'bundle.target') return { ok: true, value: opts.target };
    if (ref === 'bundle.name') return { ok: true, value: opts.bundleName };
    if (ref === 'workspace.host' && opts.host) return { ok: true, value: opts.host };
    const v = /^var\.([\w-]+)$/.exec(ref);
    if (v) {
      if (!(v[1]! in opts.variables)) return { ok: false };
      const value = opts.variables[v[1]!];
      return value === undefined ? { ok: false } : { ok: true, value: resolveWith(value, depth + 1) };
    }
    const r = /^resources\.(\w+)\.([\w-]+)\.(\w+)$/.exec(ref);
    if (r) {
      const res = asRecord(asRecord(opts.resources[r[1]!])?.[r[2]!]);
      if (!res) return { ok: false };
      const field = r[3]!;
      if (r[1] === 'registered_models' && (field === 'full_name' || field === 'name')) {
        const name = `${opts.prefix}${String(resolveWith(res.name, depth + 1))}`;
        if (field === 'name') return { ok: true, value: name };
        return { ok: true, value: `${String(resolveWith(res.catalog_name, depth + 1))}.${String(resolveWith(res.schema_name, depth + 1))}.${name}` };
      }
      if (r[1] === 'model_serving_endpoints' && field === 'name') return { ok: true, value: `${opts.prefix}${String(resolveWith(res.name, depth + 1))}` };
      if (field in res) return { ok: true, value: resolveWith(res[field], depth + 1) };
    }
    return { ok: false };
  };
  const resolveWith = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      const whole = /^\$\{([A-Za-z_][\w.\-[\]]*)\}$/.exec(value);
      if (whole) {
        const found = lookup(whole[1]!, depth);
        if (found.ok) return found.value;
        opts.unresolved.add(value);
        return value;
      }
      return value.replace(REF, (all, ref: string) => {
        const found = lookup(ref, depth);
        if (found.ok && (typeof found.value === 'string' || typeof found.value === 'number' || typeof found.value === 'boolean')) return String(found.value);
        opts.unresolved.add(all);
        return all;
      });
    }
    if (Array.isArray(value)) return value.map((x) => resolveWith(x, depth));
    const rec = asRecord(value);
    return rec ? Object.fromEntries(Object.entries(rec).map(([k, x]) => [k, resolveWith(x, depth)])) : value;
  };
  return { resolve: (value) => resolveWith(value, 0) };
}

interface ParsedFile {
  readonly doc: SourceDocument;
  readonly value: Raw;
}

/**
 * The bundle at `file`, or null when there is none. Problems (unreadable YAML, a missing include)
 * come back as diagnostics at their file:line:column.
 */
export function loadBundle(file: string, deps: BundleDeps): { bundle: Bundle | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const text = deps.readFile(file);
  if (text === null) return { bundle: null, diagnostics };
  const parse = (path: string, content: string): ParsedFile | null => {
    const parsed = parseSource(path, content, {}, { interpolate: false, mergeKeys: true });
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.syntaxOk) return null;
    return { doc: parsed.doc, value: asRecord(parsed.doc.value) ?? {} };
  };
  const root = parse(file, text);
  if (!root) return { bundle: null, diagnostics };
  const rootDir = dirname(file);
  const files: ParsedFile[] = [root];
  const seen = new Set([file]);
  asArray(root.value.include).forEach((entry, index) => {
    const pattern = String(entry);
    const at = positionOf(root.doc, pointerJoin('/include', index));
    if (pattern.startsWith('/') || pattern.split('/').includes('..')) {
      diagnostics.push({ severity: 'error', code: 'bundle-include', message: `bundle include "${pattern}": includes must be relative paths inside the bundle`, path: `/include/${index}`, position: at });
      return;
    }
    let matches: string[];
    if (isGlob(pattern)) {
      if (!deps.listDir) {
        diagnostics.push({ severity: 'warning', code: 'bundle-include', message: `bundle include "${pattern}" is a glob and this run cannot list directories; the files it matches are not read`, path: `/include/${index}`, position: at });
        return;
      }
      // A glob matching nothing is fine (the CLI says the same); a plain path must exist.
      matches = expandGlob(rootDir, pattern, deps.listDir);
      // As the CLI: a match that is not YAML or JSON is an error (sync.include is for other files).
      const other = matches.filter((m) => !/\.(ya?ml|json)$/.test(m));
      if (other.length > 0) {
        diagnostics.push({ severity: 'error', code: 'bundle-include', message: `bundle include "${pattern}" matches ${other.join(', ')}: files in 'include' must be YAML or JSON files (to sync other files, use sync.include)`, path: `/include/${index}`, position: at });
        return;
      }
    } else {
      matches = [pattern.split('/').filter((p) => p !== '' && p !== '.').join('/')];
    }
    for (const rel of matches) {
      const path = join(rootDir, rel);
      if (seen.has(path)) continue;
      seen.add(path);
      if (files.length >= MAX_FILES) {
        diagnostics.push({ severity: 'error', code: 'bundle-include', message: `the bundle includes more than ${MAX_FILES} files; mlops-gate reads at most ${MAX_FILES}`, path: `/include/${index}`, position: at });
        return;
      }
      const content = deps.readFile(path);
      if (content === null) {
        if (!isGlob(pattern)) diagnostics.push({ severity: 'error', code: 'bundle-include', message: `bundle include "${pattern}": ${path} does not exist`, path: `/include/${index}`, position: at });
        continue;
      }
      const parsed = parse(path, content);
      if (parsed) files.push(parsed);
    }
  });

  // Resources of every file, each with where it is declared (first declaration wins, as the CLI refuses duplicates).
  const declared = new Map<string, { file: ParsedFile; pointer: string }>();
  let resources: Raw = {};
  let variables: Raw = {};
  let targets: Raw = {};
  for (const f of files) {
    for (const kind of RESOURCE_KINDS) {
      for (const [key] of entriesOf(asRecord(f.value.resources)?.[kind])) {
        const id = `${kind}.${key}`;
        if (!declared.has(id)) declared.set(id, { file: f, pointer: pointerJoin(pointerJoin('/resources', kind), key) });
      }
      // Declared in a target only (MLOps Stacks writes some resources there): that target's place.
      for (const [targetName, t] of entriesOf(f.value.targets)) {
        for (const [key] of entriesOf(asRecord(asRecord(t)?.resources)?.[kind])) {
          const id = `${targetName}/${kind}.${key}`;
          if (!declared.has(id)) declared.set(id, { file: f, pointer: pointerJoin(pointerJoin(pointerJoin(pointerJoin('/targets', targetName), 'resources'), kind), key) });
        }
      }
    }
    resources = merge(resources, asRecord(f.value.resources) ?? {}) as Raw;
    variables = merge(variables, asRecord(f.value.variables) ?? {}) as Raw;
    targets = merge(targets, asRecord(f.value.targets) ?? {}) as Raw;
  }
  const bundleName = asString(asRecord(root.value.bundle)?.name) ?? '';

  const out: BundleTarget[] = [];
  for (const [targetName, rawTarget] of entriesOf(targets)) {
    const target = asRecord(rawTarget) ?? {};
    const mode = asString(target.mode);
    // A target's variables over the defaults; complex values whole.
    const values: Raw = {};
    for (const [name, def] of entriesOf(variables)) {
      const d = asRecord(def) ?? {};
      if (d.lookup === undefined && d.default !== undefined) values[name] = d.default;
    }
    for (const [name, value] of entriesOf(target.variables)) values[name] = value;
    const merged = merge(resources, asRecord(target.resources) ?? {}) as Raw;
    // Grants of registered models merge by principal across base and target.
    for (const [key, model] of entriesOf(asRecord(merged.registered_models))) {
      const base = asRecord(asRecord(resources.registered_models)?.[key])?.grants;
      const over = asRecord(asRecord(asRecord(target.resources)?.registered_models)?.[key])?.grants;
      (asRecord(merged.registered_models)![key] as Raw) = { ...(asRecord(model) ?? {}), grants: Object.entries(mergeGrants([...asArray(base), ...asArray(over)])).map(([principal, privileges]) => ({ principal, privileges })) };
    }
    const unresolved = new Set<string>();
    const presets = asRecord(target.presets);
    const explicit = asString(presets?.name_prefix);
    const prefix = explicit !== null && explicit !== '' ? (explicit.includes('${') ? explicit : normalizePrefix(explicit)) : mode === 'development' ? 'dev_${workspace.current_user.short_name}_' : '';
    if (prefix.includes('${')) unresolved.add('${workspace.current_user.short_name}');
    const r = resolverFor({ bundleName, target: targetName, host: asString(asRecord(target.workspace)?.host), variables: values, resources: merged, prefix, unresolved });
    const where = (kind: string, key: string): SourcePosition => {
      const d = declared.get(`${kind}.${key}`) ?? declared.get(`${targetName}/${kind}.${key}`);
      return d ? positionOf(d.file.doc, d.pointer, 'key') : positionOf(root.doc, '/targets', 'key');
    };
    const endpoints: BundleEndpoint[] = entriesOf(asRecord(merged.model_serving_endpoints)).map(([key, raw]) => {
      const body = r.resolve(raw) as Raw;
      return { key, name: `${prefix}${String(body.name ?? key)}`, body, position: where('model_serving_endpoints', key) };
    });
    const models: BundleModel[] = entriesOf(asRecord(merged.registered_models)).map(([key, raw]) => {
      const m = r.resolve(raw) as Raw;
      return {
        key,
        fullName: `${String(m.catalog_name)}.${String(m.schema_name)}.${prefix}${String(m.name)}`.toLowerCase(),
        grants: mergeGrants(m.grants),
        position: where('registered_models', key),
      };
    });
    const monitors: BundleMonitor[] = entriesOf(asRecord(merged.quality_monitors)).map(([key, raw]) => ({
      key,
      tableName: String((r.resolve(raw) as Raw).table_name ?? ''),
      position: where('quality_monitors', key),
    }));
    out.push({ name: targetName, mode, endpoints, models, monitors, unresolved: [...unresolved].sort() });
  }
  return { bundle: { file, name: bundleName, files: files.map((f) => f.doc.file), targets: out }, diagnostics };
}
