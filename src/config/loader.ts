// mlops.yml text → typed Config, or a ConfigError holding every problem found, each with
// file:line:column. Pure: the environment, file reading and the clock are injected.
//
// Steps: parse YAML (positions kept, ${VAR} interpolated, budgets enforced) → JSON Schema →
// resolve policies (inline, built-in packs, local files; `extends`) → cross-field checks → typed
// Config → checks on the typed Config (checks.ts: what promote/rollback would refuse). A long list
// of problems is cut to the first LIMITS.diagnostics (diagnostics.ts).

import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { buildEnvironment, buildModel, buildWaiver } from './build.js';
import { buildNotify, checkNotify } from './notify.js';
import { checkConfig } from './checks.js';
import { capDiagnostics, listSome } from './diagnostics.js';
import { formatCount, LIMITS } from './limits.js';
import { compilePattern, globMatches } from './patterns.js';
import { PolicyResolver } from './policies.js';
import type { ResolvedPolicy } from './policies.js';
import { asArray, asRecord, asString, entriesOf } from './raw.js';
import type { RawRecord } from './raw.js';
import { parseSource, pointerJoin, positionOf, positionWithin } from './source.js';
import type { SourceDocument } from './source.js';
import { didYouMean } from './suggest.js';
import type { Config, Environment, GateSpec, ModelConfig, Policy, Waiver } from './types.js';
import { validateAgainstSchema } from './validate.js';
import { checkEnvironmentUrls } from './urls.js';
import { inVariableTerms } from './substitutions.js';

export interface LoadInput {
  /** Path of the config file as the user knows it; positions and relative policy paths use it. */
  readonly file: string;
  readonly text: string;
}

export interface LoadDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Returns the file's text, or null when it does not exist. */
  readonly readFile: (path: string) => string | null;
  readonly now: Date;
  /**
   * Checks a gate's options beyond the schema (the policy layer parses them: an expression's syntax
   * and types). Injected so config stays independent of policy; without it, only the schema and
   * the regular expressions are checked.
   */
  readonly checkGate?: (type: string, options: Readonly<Record<string, unknown>>) => readonly GateProblem[];
}

/** A gate option a gate type refuses: `key` is the option's path below the gate (`expression`, `tags/owner`). */
export interface GateProblem {
  readonly code: string;
  readonly key: string;
  readonly message: string;
  /** Character of the option's string at fault, when known. */
  readonly index?: number;
  readonly hint?: string;
}

export interface LoadResult {
  readonly config: Config;
  /** Warnings only (errors are thrown as a ConfigError). */
  readonly diagnostics: Diagnostic[];
}

export const loadConfig = (input: LoadInput, deps: LoadDeps): LoadResult => {
  const diagnostics: Diagnostic[] = [];
  const fail = (): never => {
    const { shown, errors } = capDiagnostics(sortDiagnostics(inVariableTerms(diagnostics, input.text, deps.env), input.file));
    throw new ConfigError(shown, errors);
  };

  const parsed = parseSource(input.file, input.text, deps.env);
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.syntaxOk) fail();
  const doc = parsed.doc;
  const root = asRecord(doc.value) ?? {};
  diagnostics.push(...checkEnvironmentUrls(doc, root));
  const configDir = posix.dirname(input.file.replace(/\\/g, '/'));
  const resolver = new PolicyResolver(doc, configDir, deps, diagnostics);
  const checker = new CrossChecks(doc, root, resolver, diagnostics);

  // Counts first, before the schema: every later step is linear in them, some in their product.
  if (!checker.counts()) fail();
  diagnostics.push(...validateAgainstSchema(doc, 'config'));
  checker.environments();
  const modelPolicies = checker.models();
  resolver.resolveExtends();
  checker.policies();
  if (deps.checkGate) checker.gateOptions(deps.checkGate);
  checker.waivers(deps.now);
  checker.unusedPolicies(modelPolicies);
  diagnostics.push(...checkNotify(root.notify, doc, entriesOf(root.environments).map(([n]) => n), entriesOf(root.models).map(([id]) => id)));

  if (diagnostics.some((d) => d.severity === 'error')) fail();

  const environments = new Map<string, Environment>();
  for (const [name, raw] of entriesOf(root.environments)) environments.set(name, buildEnvironment(name, raw as RawRecord, doc));
  const defaults = asRecord(root.defaults) ?? {};
  const models = new Map<string, ModelConfig>();
  for (const [id, raw] of entriesOf(root.models)) {
    models.set(id, buildModel(id, raw as RawRecord, doc, defaults, modelPolicies.get(id) ?? []));
  }
  const policies = new Map<string, Policy>();
  for (const [name, entry] of resolver.resolved) policies.set(name, entry.policy);
  const waivers: Waiver[] = asArray(root.waivers).map((raw, index) =>
    buildWaiver(raw as RawRecord, doc, pointerJoin('/waivers', index)),
  );

  const config: Config = {
    version: 1,
    file: input.file,
    digest: createHash('sha256').update(input.text, 'utf8').digest('hex'),
    environments,
    models,
    policies,
    waivers,
    notify: buildNotify(root.notify, doc),
  };
  diagnostics.push(...checkConfig(config, doc));
  if (diagnostics.some((d) => d.severity === 'error')) fail();
  return { config, diagnostics: capDiagnostics(sortDiagnostics(inVariableTerms(diagnostics, input.text, deps.env), input.file)).shown };
};

const sortDiagnostics = (diagnostics: readonly Diagnostic[], mainFile: string): Diagnostic[] =>
  [...diagnostics].sort((a, b) => {
    const fileA = a.position?.file ?? '';
    const fileB = b.position?.file ?? '';
    if (fileA !== fileB) return fileA === mainFile ? -1 : fileB === mainFile ? 1 : fileA.localeCompare(fileB);
    return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
  });


class CrossChecks {
  private readonly environmentNames: string[];
  private readonly modelIds: string[];

  constructor(
    private readonly doc: SourceDocument,
    private readonly root: RawRecord,
    private readonly resolver: PolicyResolver,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.environmentNames = entriesOf(root.environments).map(([name]) => name);
    this.modelIds = entriesOf(root.models).map(([id]) => id);
    this.environmentNameSet = new Set(this.environmentNames);
    this.modelIdSet = new Set(this.modelIds);
  }

  private readonly environmentNameSet: ReadonlySet<string>;
  private readonly modelIdSet: ReadonlySet<string>;

  private report(
    severity: Diagnostic['severity'],
    code: string,
    message: string,
    doc: SourceDocument,
    path: string,
    extra: { hint?: string; which?: 'key' | 'value' } = {},
  ): void {
    this.diagnostics.push({
      severity,
      code,
      message,
      path,
      position: positionOf(doc, path, extra.which ?? 'value'),
      ...(extra.hint ? { hint: extra.hint } : {}),
    });
  }

  /** Names in a list (at `path` in `doc`) must be known; each unknown one is reported at its item. */
  private namesExist(doc: SourceDocument, path: string, list: unknown, known: readonly string[], what: 'environment' | 'model'): void {
    const set = what === 'model' ? this.modelIdSet : this.environmentNameSet;
    asArray(list).forEach((name, index) => {
      if (typeof name === 'string' && !set.has(name)) {
        this.report('error', 'dangling-reference', `unknown ${what} "${name}"; defined: ${listSome(known)}`, doc, pointerJoin(path, index), this.suggest(name, known));
      }
    });
  }

  /** "did you mean" for the first problems only: each costs an edit distance per candidate. */
  private suggestionsLeft = LIMITS.diagnostics * 2;
  private suggest(word: string, candidates: readonly string[]): { hint?: string } {
    if (this.suggestionsLeft <= 0 || word.length > 100) return {};
    this.suggestionsLeft--;
    return didYouMean(word, candidates);
  }

  /** The size budgets on counts (LIMITS); false when one is exceeded. */
  counts(): boolean {
    const over = (list: readonly [string, unknown][] | readonly unknown[], limit: number, what: string, path: string, keyed: boolean): boolean => {
      if (list.length <= limit) return false;
      const pointer = keyed ? pointerJoin(path, (list[limit] as [string, unknown])[0]) : pointerJoin(path, limit);
      this.report('error', 'too-many', `${formatCount(list.length)} ${what}; a config may have at most ${formatCount(limit)}`, this.doc, pointer, { which: keyed ? 'key' : 'value', hint: 'this is where the limit is crossed' });
      return true;
    };
    const gateCount = [...this.resolver.resolved.values()].reduce((n, entry) => n + entry.policy.gates.length, 0);
    const tooMany = [
      over(entriesOf(this.root.environments), LIMITS.environments, 'environments', '/environments', true),
      over(entriesOf(this.root.models), LIMITS.models, 'models', '/models', true),
      over(asArray(this.root.waivers), LIMITS.waivers, 'waivers', '/waivers', false),
    ].some(Boolean);
    if (gateCount > LIMITS.gates) {
      this.report('error', 'too-many', `${formatCount(gateCount)} gates in inline policies; a config may have at most ${formatCount(LIMITS.gates)}`, this.doc, '/policies', { which: 'key' });
      return false;
    }
    return !tooMany;
  }

  environments(): void {
    const promoteFrom = new Map<string, string>();
    for (const [name, raw] of entriesOf(this.root.environments)) {
      const source = asString(asRecord(raw)?.promote_from);
      if (source === null) continue;
      const path = pointerJoin(pointerJoin('/environments', name), 'promote_from');
      if (!this.environmentNames.includes(source)) {
        this.report('error', 'dangling-reference', `environment "${name}" promotes from unknown environment "${source}"; defined: ${listSome(this.environmentNames)}`, this.doc, path, this.suggest(source, this.environmentNames));
        continue;
      }
      promoteFrom.set(name, source);
    }
    // Each environment has at most one source: walk back from each start, colouring what was
    // seen, so every environment is walked once (linear in the number of environments).
    const state = new Map<string, number>(); // walk number that reached it
    let walk = 0;
    for (const start of this.environmentNames) {
      if (state.has(start)) continue;
      walk++;
      let current: string | undefined = start;
      while (current !== undefined && !state.has(current)) {
        state.set(current, walk);
        current = promoteFrom.get(current);
      }
      // A cycle only when this walk ran into itself (not into an earlier, finished walk).
      if (current === undefined || state.get(current) !== walk) continue;
      const cycle: string[] = [current];
      for (let next = promoteFrom.get(current); next !== undefined && next !== current; next = promoteFrom.get(next)) cycle.push(next);
      const members = new Set(cycle);
      const first = this.environmentNames.find((n) => members.has(n)) ?? current;
      // Show the cycle in promotion order (source → target), starting at its first declared member.
      const flow: string[] = [first];
      for (let next = promoteFrom.get(first); next !== undefined && next !== first; next = promoteFrom.get(next)) flow.push(next);
      flow.reverse();
      flow.unshift(flow.pop() ?? first);
      const display = [...flow, flow[0]].join(' → ');
      this.report('error', 'cycle', `environments form a promotion cycle: ${display}`, this.doc, pointerJoin(pointerJoin('/environments', first), 'promote_from'), { hint: 'the first environment of a chain has no promote_from' });
    }
  }

  /** Checks every model; returns each model's resolved policy names. */
  models(): Map<string, string[]> {
    const result = new Map<string, string[]>();
    const defaults = asRecord(this.root.defaults);
    const resolveList = (list: unknown, path: string): string[] =>
      asArray(list).flatMap((ref, index) => {
        if (typeof ref !== 'string') return [];
        const name = this.resolver.resolve(ref, { doc: this.doc, pointer: pointerJoin(path, index), relDir: '', fromBuiltin: false });
        return name === null ? [] : [name];
      });
    // Resolved even when every model lists its own policies, so a bad default is still reported.
    const defaultPolicies = resolveList(defaults?.policies, '/defaults/policies');
    for (const [id, rawModel] of entriesOf(this.root.models)) {
      const model = asRecord(rawModel);
      if (!model) continue;
      const base = pointerJoin('/models', id);
      for (const [env] of entriesOf(model.names)) {
        if (!this.environmentNames.includes(env)) {
          this.report('error', 'dangling-reference', `names lists unknown environment "${env}"; defined: ${listSome(this.environmentNames)}`, this.doc, pointerJoin(pointerJoin(base, 'names'), env), { which: 'key', ...this.suggest(env, this.environmentNames) });
        }
      }
      if (model.policies !== undefined) {
        result.set(id, resolveList(model.policies, pointerJoin(base, 'policies')));
      } else {
        result.set(id, defaultPolicies);
      }
      const serving = asRecord(model.serving);
      if (serving) this.serving(serving, pointerJoin(base, 'serving'));
      const monitor = asRecord(model.monitor);
      if (monitor) this.namesExist(this.doc, pointerJoin(pointerJoin(base, 'monitor'), 'environments'), monitor.environments, this.environmentNames, 'environment');
    }
    return result;
  }

  private serving(serving: RawRecord, path: string): void {
    this.namesExist(this.doc, pointerJoin(path, 'environments'), serving.environments, this.environmentNames, 'environment');
    if (asRecord(serving.scale_to_zero)) {
      for (const [env] of entriesOf(serving.scale_to_zero)) {
        if (!this.environmentNames.includes(env)) {
          this.report('error', 'dangling-reference', `scale_to_zero lists unknown environment "${env}"; defined: ${listSome(this.environmentNames)}`, this.doc, pointerJoin(pointerJoin(path, 'scale_to_zero'), env), { which: 'key', ...this.suggest(env, this.environmentNames) });
        }
      }
    }
    const strategy = asString(serving.strategy) ?? 'replace';
    const steps = asArray(serving.steps);
    const stepsPath = pointerJoin(path, 'steps');
    if (strategy === 'canary' && steps.length > 0 && steps.every((s) => typeof s === 'number')) {
      const values = steps as number[];
      values.forEach((value, index) => {
        const previous = values[index - 1];
        if (previous !== undefined && value <= previous) {
          this.report('error', 'canary-steps', `canary steps must increase strictly: ${value} comes after ${previous}`, this.doc, pointerJoin(stepsPath, index));
        }
      });
      const last = values[values.length - 1];
      if (last !== 100) {
        this.report('error', 'canary-steps', `the last canary step must be 100 (all traffic), got ${String(last)}`, this.doc, pointerJoin(stepsPath, values.length - 1));
      }
    }
    const onlyFor: [string, string[]][] = [
      ['steps', ['canary']],
      // blue_green pauses after the switch when it checks health (`health:`).
      ['pause', ['canary', 'blue_green']],
      ['candidate_percent', ['ab']],
      ['smoke_request', ['blue_green']],
    ];
    for (const [field, wanted] of onlyFor) {
      if (serving[field] !== undefined && !wanted.includes(String(strategy))) {
        this.report('warning', 'ignored-field', `"${field}" only applies to strategy ${wanted.join(' or ')}; it is ignored for strategy ${strategy}`, this.doc, pointerJoin(path, field), { which: 'key' });
      }
    }
  }

  policies(): void {
    const resolved = [...this.resolver.resolved.values()];
    for (const entry of resolved) {
      const raw = this.rawPolicy(entry);
      const appliesPath = pointerJoin(entry.pointer, 'applies_to');
      const appliesTo = asRecord(raw?.applies_to);
      this.namesExist(entry.doc, pointerJoin(appliesPath, 'environments'), appliesTo?.environments, this.environmentNames, 'environment');
      this.namesExist(entry.doc, pointerJoin(appliesPath, 'models'), appliesTo?.models, this.modelIds, 'model');
      this.gateRegexes(entry, raw);
    }
    this.uniqueGateIds(resolved);
    this.extendsCycles();
  }

  private rawPolicy(entry: ResolvedPolicy): RawRecord | null {
    if (entry.pointer === '') return asRecord(entry.doc.value);
    return asRecord(asRecord(asRecord(entry.doc.value)?.policies)?.[entry.policy.name]);
  }

  /** Every regular expression in a policy compiles on the linear-time engine (patterns.ts). */
  private gateRegexes(entry: ResolvedPolicy, raw: RawRecord | null): void {
    asArray(raw?.gates).forEach((gate, index) => {
      const record = asRecord(gate);
      if (record?.type !== 'required_tags') return;
      const tagsPath = pointerJoin(pointerJoin(pointerJoin(entry.pointer, 'gates'), index), 'tags');
      for (const [tag, pattern] of entriesOf(record.tags)) {
        if (typeof pattern !== 'string') continue;
        const compiled = compilePattern(pattern);
        if (compiled.ok) continue;
        const path = pointerJoin(tagsPath, tag);
        this.diagnostics.push({
          severity: 'error',
          code: 'bad-regex',
          message: `invalid regular expression for tag "${tag}": ${compiled.message}`,
          path,
          position: positionWithin(entry.doc, path, compiled.index),
          ...(compiled.hint ? { hint: compiled.hint } : {}),
        });
      }
    });
  }

  /** Every gate's options, as its gate type reads them; a gate the schema already objected to is left alone. */
  gateOptions(check: NonNullable<LoadDeps['checkGate']>): void {
    const COMMON = new Set(['type', 'id', 'severity', 'description']);
    // Gates (file and pointer) the schema or the earlier checks objected to: one pass over the diagnostics.
    const objected = new Set<string>();
    for (const d of this.diagnostics) {
      const gate = d.severity === 'error' ? /^(.*\/gates\/\d+)(?:\/|$)/.exec(d.path)?.[1] : undefined;
      if (gate !== undefined) objected.add(`${d.position?.file ?? ''}\u0000${gate}`);
    }
    const errorsAt = (doc: SourceDocument, pointer: string): boolean => objected.has(`${doc.file}\u0000${pointer}`);
    for (const entry of this.resolver.resolved.values()) {
      asArray(this.rawPolicy(entry)?.gates).forEach((gate, index) => {
        const record = asRecord(gate);
        if (!record || typeof record.type !== 'string') return;
        const gatePointer = pointerJoin(pointerJoin(entry.pointer, 'gates'), index);
        if (errorsAt(entry.doc, gatePointer)) return;
        const options = Object.fromEntries(Object.entries(record).filter(([key]) => !COMMON.has(key)));
        for (const problem of check(record.type, options)) {
          const path = `${gatePointer}/${problem.key}`;
          this.diagnostics.push({
            severity: 'error',
            code: problem.code,
            message: problem.message,
            path,
            position: problem.index === undefined ? positionOf(entry.doc, path) : positionWithin(entry.doc, path, problem.index),
            ...(problem.hint ? { hint: problem.hint } : {}),
          });
        }
      });
    }
  }

  private uniqueGateIds(resolved: readonly ResolvedPolicy[]): void {
    const seen = new Map<string, GateSpec>();
    for (const entry of resolved) {
      let pointers: Map<string, string> | null = null;
      entry.policy.gates.forEach((gate) => {
        const first = seen.get(gate.id);
        if (!first) {
          seen.set(gate.id, gate);
          return;
        }
        pointers ??= this.gatePointers(entry);
        const where = `${first.position.file}:${first.position.line}:${first.position.column}`;
        this.diagnostics.push({
          severity: 'error',
          code: 'duplicate-id',
          message: `duplicate gate id "${gate.id}" (first defined at ${where}, policy "${first.policy}")`,
          path: pointers.get(`${gate.position.line}:${gate.position.column}`) ?? pointerJoin(entry.pointer, 'gates'),
          position: gate.position,
          hint: 'give one of the gates a distinct `id`',
        });
      });
    }
  }

  /** The JSON pointer of each gate of a policy, by where the gate starts. */
  private gatePointers(entry: ResolvedPolicy): Map<string, string> {
    const gatesPointer = pointerJoin(entry.pointer, 'gates');
    const count = asArray(this.rawPolicy(entry)?.gates).length;
    const pointers = new Map<string, string>();
    for (let index = 0; index < count; index++) {
      const pointer = pointerJoin(gatesPointer, index);
      const position = positionOf(entry.doc, pointer);
      const key = `${position.line}:${position.column}`;
      if (!pointers.has(key)) pointers.set(key, pointer);
    }
    return pointers;
  }

  /** extends must not loop, nor chain deeper than LIMITS.extendsDepth. Iterative: no recursion on user data. */
  private extendsCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    /** Longest extends chain below each finished policy. */
    const height = new Map<string, number>();
    for (const root of this.resolver.resolved.keys()) {
      if (state.has(root)) continue;
      const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
      state.set(root, 'visiting');
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as { name: string; next: number };
        const entry = this.resolver.resolved.get(frame.name);
        const refs = entry?.extendsRefs ?? [];
        if (frame.next < refs.length) {
          const ref = refs[frame.next++] as { name: string | null; pointer: string };
          if (ref.name === null || !entry) continue;
          const status = state.get(ref.name);
          if (status === 'visiting') {
            const names = stack.map((f) => f.name);
            const cycle = [...names.slice(names.indexOf(ref.name)), ref.name].join(' → ');
            this.report('error', 'cycle', `policy extends cycle: ${cycle}`, entry.doc, ref.pointer);
          } else if (status === undefined) {
            if (stack.length >= LIMITS.extendsDepth) {
              this.report('error', 'too-deep', `policy "${frame.name}" extends a chain more than ${LIMITS.extendsDepth} policies deep`, entry.doc, ref.pointer, { hint: 'extend the policies you need directly' });
              continue;
            }
            state.set(ref.name, 'visiting');
            stack.push({ name: ref.name, next: 0 });
          }
          continue;
        }
        const below = refs.reduce((h, r) => (r.name !== null && height.has(r.name) ? Math.max(h, (height.get(r.name) ?? 0) + 1) : h), 0);
        height.set(frame.name, below);
        if (below > LIMITS.extendsDepth && entry) {
          this.report('error', 'too-deep', `policy "${frame.name}" extends a chain more than ${LIMITS.extendsDepth} policies deep`, entry.doc, pointerJoin(entry.pointer, 'extends'), { hint: 'extend the policies you need directly' });
        }
        state.set(frame.name, 'done');
        stack.pop();
      }
    }
  }

  waivers(now: Date): void {
    const gateIds = [...new Set([...this.resolver.resolved.values()].flatMap((entry) => entry.policy.gates.map((g) => g.id)))];
    const exactIds = new Set(gateIds);
    const today = now.toISOString().slice(0, 10);
    asArray(this.root.waivers).forEach((rawWaiver, index) => {
      const waiver = asRecord(rawWaiver);
      if (!waiver) return;
      const base = pointerJoin('/waivers', index);
      const gate = asString(waiver.gate);
      const matches = gate === null ? true : gate.includes('*') ? gateIds.some((id) => globMatches(gate, id)) : exactIds.has(gate);
      if (gate !== null && !matches) {
        this.report('error', 'unknown-gate', `waiver names gate "${gate}", which matches no gate id; known ids: ${listSome(gateIds)}`, this.doc, pointerJoin(base, 'gate'), this.suggest(gate, gateIds));
      }
      this.namesExist(this.doc, pointerJoin(base, 'models'), waiver.models, this.modelIds, 'model');
      this.namesExist(this.doc, pointerJoin(base, 'environments'), waiver.environments, this.environmentNames, 'environment');
      const expires = asString(waiver.expires);
      if (expires !== null && /^\d{4}-\d{2}-\d{2}$/.test(expires) && expires < today) {
        this.report('warning', 'expired-waiver', `waiver for "${gate ?? '?'}" expired on ${expires} (owner ${asString(waiver.owner) ?? 'unknown'}); it no longer applies`, this.doc, pointerJoin(base, 'expires'), { hint: 'renew it with a new date or remove it' });
      }
    });
  }

  /** Inline policies no model reaches (directly or through extends) are probably a mistake. */
  unusedPolicies(modelPolicies: ReadonlyMap<string, readonly string[]>): void {
    const used = new Set<string>();
    const pending = [...modelPolicies.values()].flat();
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (used.has(name)) continue;
      used.add(name);
      pending.push(...(this.resolver.resolved.get(name)?.policy.extends ?? []));
    }
    for (const entry of this.resolver.resolved.values()) {
      if (entry.policy.origin.kind === 'inline' && !used.has(entry.policy.name)) {
        this.report('warning', 'unused-policy', `policy "${entry.policy.name}" is not used by any model`, entry.doc, entry.pointer, { which: 'key' });
      }
    }
  }
}

