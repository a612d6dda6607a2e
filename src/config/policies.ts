// Policy resolution: inline policies, built-in packs (`builtin:<pack>`) and local policy files,
// followed through `extends`. Files are read through the injected `readFile`; each one is parsed,
// interpolated and schema-checked with its own positions.

import { posix } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { BUILTIN_PACKS } from './builtin-packs.generated.js';
import { listSome } from './diagnostics.js';
import { formatBytes, LIMITS } from './limits.js';
import { asArray, asRecord, asString, asStringList, entriesOf } from './raw.js';
import { parseSource, pointerJoin, positionOf } from './source.js';
import type { SourceDocument } from './source.js';
import { closest } from './suggest.js';
import type { GateSpec, Policy } from './types.js';
import { validateAgainstSchema } from './validate.js';

export const BUILTIN_PACK_NAMES: readonly string[] = Object.keys(BUILTIN_PACKS).sort();

/** Where a reference was written, to position diagnostics and resolve relative paths. */
export interface RefSite {
  readonly doc: SourceDocument;
  readonly pointer: string;
  /** Directory of the referencing document, relative to the config file's directory. */
  readonly relDir: string;
  /** Built-in packs may only reference other built-in packs. */
  readonly fromBuiltin: boolean;
}

export interface ResolvedPolicy {
  readonly policy: Policy;
  readonly doc: SourceDocument;
  /** JSON pointer of the policy object inside `doc` ('' for a policy file). */
  readonly pointer: string;
  /** extends entries with the name each resolved to (null = unresolved, already reported). */
  readonly extendsRefs: readonly { readonly name: string | null; readonly pointer: string }[];
}

const COMMON_GATE_FIELDS = new Set(['type', 'id', 'severity', 'description']);
const METRIC_GATES = new Set(['metric_threshold', 'metric_delta']);

export const defaultGateId = (policy: string, type: string, metric: string | null): string =>
  METRIC_GATES.has(type) && metric !== null ? `${policy}/${type}:${metric}` : `${policy}/${type}`;

const buildGates = (policyName: string, raw: unknown, doc: SourceDocument, pointer: string): GateSpec[] =>
  asArray(asRecord(raw)?.gates).flatMap((gate, index) => {
    const record = asRecord(gate);
    const type = asString(record?.type);
    if (!record || type === null) return [];
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!COMMON_GATE_FIELDS.has(key)) options[key] = value;
    const gatePointer = pointerJoin(pointerJoin(pointer, 'gates'), index);
    return [
      {
        id: asString(record.id) ?? defaultGateId(policyName, type, asString(record.metric)),
        type,
        policy: policyName,
        severity: record.severity === 'warn' ? 'warn' : 'fail',
        description: asString(record.description),
        options,
        position: positionOf(doc, gatePointer),
      },
    ];
  });

export class PolicyResolver {
  /** Every policy reached so far, inline first, then packs and files in order of first reference. */
  readonly resolved = new Map<string, ResolvedPolicy>();
  private readonly pending: string[] = [];
  private files = 0;
  private bytes = 0;
  private suggestionsLeft = LIMITS.diagnostics * 2;

  constructor(
    private readonly configDoc: SourceDocument,
    private readonly configDir: string,
    private readonly deps: {
      readonly env: Readonly<Record<string, string | undefined>>;
      readonly readFile: (path: string) => string | null;
    },
    private readonly diagnostics: Diagnostic[],
  ) {
    for (const [name, raw] of entriesOf(asRecord(configDoc.value)?.policies)) {
      this.register(name, { kind: 'inline' }, raw, configDoc, pointerJoin('/policies', name));
    }
  }

  /** Resolve one reference to a policy name, loading its document if needed; null when it cannot be. */
  resolve(ref: string, site: RefSite): string | null {
    const position = positionOf(site.doc, site.pointer);
    const error = (code: string, message: string, hint?: string): null => {
      this.diagnostics.push({ severity: 'error', code, message, path: site.pointer, position, ...(hint ? { hint } : {}) });
      return null;
    };
    if (ref.startsWith('builtin:')) {
      const pack = ref.slice('builtin:'.length);
      if (!(pack in BUILTIN_PACKS)) {
        const near = closest(pack, BUILTIN_PACK_NAMES);
        return error(
          'unknown-builtin',
          `unknown built-in policy pack "${pack}"; available: ${BUILTIN_PACK_NAMES.join(', ')}`,
          near ? `did you mean "builtin:${near}"?` : undefined,
        );
      }
      if (!this.resolved.has(ref)) this.loadDocument(ref, { kind: 'builtin', pack }, `builtin:${pack}`, BUILTIN_PACKS[pack] ?? '');
      return ref;
    }
    if (/\.ya?ml$/.test(ref)) {
      if (site.fromBuiltin) return error('dangling-reference', `a built-in pack cannot reference the file "${ref}"`);
      if (ref.startsWith('/')) return error('dangling-reference', `policy file "${ref}" must be a relative path`);
      const name = posix.normalize(posix.join(site.relDir, ref));
      if (this.resolved.has(name)) return name;
      const path = this.configDir === '' || this.configDir === '.' ? name : posix.join(this.configDir, name);
      if (this.files >= LIMITS.policyFiles) {
        return error('too-many', `more than ${LIMITS.policyFiles} policy files; a config may reach at most ${LIMITS.policyFiles}`);
      }
      let text: string | null;
      try {
        text = this.deps.readFile(path);
      } catch (e) {
        // The edge reader refuses files it will not read whole (too large, not a regular file).
        if (!(e instanceof ConfigError)) throw e;
        this.diagnostics.push(...e.diagnostics);
        return null;
      }
      if (text === null) {
        return error('missing-file', `policy file "${ref}" not found (looked for ${path})`, 'paths are relative to the file that references them');
      }
      this.files++;
      this.bytes += text.length;
      if (this.bytes > LIMITS.policyBytes) {
        return error('too-many', `the policy files reached so far hold more than ${formatBytes(LIMITS.policyBytes)}; all policy files of a config may hold at most ${formatBytes(LIMITS.policyBytes)}`);
      }
      this.loadDocument(name, { kind: 'file', path }, path, text);
      return name;
    }
    if (this.resolved.has(ref) && this.resolved.get(ref)?.policy.origin.kind === 'inline') return ref;
    const inlineNames = [...this.resolved.values()].filter((p) => p.policy.origin.kind === 'inline').map((p) => p.policy.name);
    // Suggestions cost an edit distance per name: only for the first few problems.
    const near = this.suggestionsLeft-- > 0 && ref.length <= 100 ? closest(ref, inlineNames) : null;
    const builtinHint = BUILTIN_PACK_NAMES.includes(ref) ? `did you mean "builtin:${ref}"?` : near ? `did you mean "${near}"?` : undefined;
    return error(
      'unknown-policy',
      `unknown policy "${ref}": expected an inline policy name (${listSome(inlineNames, 'none defined')}), builtin:<pack>, or a .yml/.yaml file`,
      builtinHint,
    );
  }

  /** Follow `extends` of every policy reached, until nothing new is found. */
  resolveExtends(): void {
    while (this.pending.length > 0) {
      const name = this.pending.shift() as string;
      const entry = this.resolved.get(name);
      if (!entry) continue;
      const raw = this.rawPolicy(entry);
      const relDir = entry.policy.origin.kind === 'file' ? posix.dirname(name) : '';
      const extendsPointer = pointerJoin(entry.pointer, 'extends');
      const refs = asArray(raw?.extends).map((ref, index) => {
        const pointer = pointerJoin(extendsPointer, index);
        const resolvedName =
          typeof ref === 'string'
            ? this.resolve(ref, { doc: entry.doc, pointer, relDir, fromBuiltin: entry.policy.origin.kind === 'builtin' })
            : null;
        return { name: resolvedName, pointer };
      });
      const policy: Policy = { ...entry.policy, extends: refs.flatMap((r) => (r.name === null ? [] : [r.name])) };
      this.resolved.set(name, { ...entry, policy, extendsRefs: refs });
    }
  }

  private rawPolicy(entry: ResolvedPolicy): Record<string, unknown> | null {
    if (entry.pointer === '') return asRecord(entry.doc.value);
    const name = entry.pointer.slice('/policies/'.length).replace(/~1/g, '/').replace(/~0/g, '~');
    return asRecord(asRecord(asRecord(entry.doc.value)?.policies)?.[name]);
  }

  private loadDocument(name: string, origin: Policy['origin'], file: string, text: string): void {
    const parsed = parseSource(file, text, this.deps.env);
    this.diagnostics.push(...parsed.diagnostics);
    if (parsed.syntaxOk) this.diagnostics.push(...validateAgainstSchema(parsed.doc, 'policy_document'));
    this.register(name, origin, parsed.syntaxOk ? parsed.doc.value : null, parsed.doc, '');
  }

  private register(name: string, origin: Policy['origin'], raw: unknown, doc: SourceDocument, pointer: string): void {
    const record = asRecord(raw);
    const appliesTo = asRecord(record?.applies_to);
    const policy: Policy = {
      name,
      origin,
      description: asString(record?.description),
      appliesTo: { environments: asStringList(appliesTo?.environments), models: asStringList(appliesTo?.models) },
      extends: [],
      gates: buildGates(name, raw, doc, pointer),
      position: positionOf(doc, pointer, 'key'),
    };
    this.resolved.set(name, { policy, doc, pointer, extendsRefs: [] });
    this.pending.push(name);
  }
}
