// An in-memory registry implementing the executor's own port (src/apply/ports.ts), with
// write faults: `before` (the write never happens) and `lost` (it happens, the answer is lost).

import { ApiError } from '../../../src/errors.js';

import type { LockRecord, ObservedModel, PromotionRegistry } from '../../../src/registry/ports.js';
import type { ObservedVersion, VersionStatus } from '../../../src/registry/types.js';

interface Version {
  name: string;
  version: string;
  source: string;
  runId: string | null;
  tags: Record<string, string>;
  stage: string;
  status: VersionStatus;
}

export type WriteOp = 'createModel' | 'createVersion' | 'setVersionTag' | 'setModelTag' | 'setAlias' | 'transitionStage' | 'deleteVersion' | 'createLock' | 'deleteLock' | 'setLockTag';

export interface Fault {
  readonly op: WriteOp;
  /** before: fails without effect; lost: takes effect, then fails. */
  readonly when: 'before' | 'lost';
  /** Which call of that op fails (1-based). */
  readonly nth: number;
  readonly status?: number;
}

const fail = (op: string, status: number): ApiError =>
  new ApiError(`${op}: injected ${status}`, { errorCode: null, status, method: 'POST', url: op, kind: status === 0 ? 'transport' : 'http', attempts: 1 });

export class MemoryRegistry implements PromotionRegistry {
  readonly models = new Map<string, { aliases: Record<string, string>; tags: Record<string, string>; versions: Version[]; next: number }>();
  readonly locks = new Map<string, Record<string, string>>();
  readonly writes: { op: WriteOp; args: unknown[] }[] = [];
  reads = 0;
  faults: Fault[] = [];
  /** Simulated kill: after this write (nth call of op) takes effect, every later call throws. */
  killAfter: { op: WriteOp; nth: number } | null = null;
  dead = false;
  private counts = new Map<WriteOp, number>();

  constructor(readonly id: string) {}

  seedVersion(name: string, source: string, tags: Record<string, string> = {}, stage = 'None', status: VersionStatus = 'READY'): string {
    const m = this.models.get(name) ?? { aliases: {}, tags: {}, versions: [], next: 1 };
    this.models.set(name, m);
    const version = String(m.next++);
    m.versions.push({ name, version, source, runId: null, tags: { ...tags }, stage, status });
    return version;
  }

  private alive(): void {
    if (this.dead) throw new Error('process killed');
  }

  private async write<T>(op: WriteOp, args: unknown[], effect: () => T): Promise<T> {
    this.alive();
    const n = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, n);
    this.writes.push({ op, args });
    const fault = this.faults.find((f) => f.op === op && f.nth === n);
    if (fault?.when === 'before') throw fail(op, fault.status ?? 503);
    const result = effect();
    if (this.killAfter?.op === op && this.killAfter.nth === n) this.dead = true;
    if (fault?.when === 'lost') throw fail(op, fault.status ?? 0);
    return result;
  }

  private view(v: Version, aliases: Record<string, string>): ObservedVersion {
    return {
      name: v.name,
      version: v.version,
      tags: { ...v.tags },
      aliases: Object.entries(aliases).filter(([, x]) => x === v.version).map(([a]) => a),
      stage: v.stage,
      source: v.source,
      runId: v.runId,
      status: v.status,
    };
  }

  async getModel(name: string): Promise<ObservedModel | null> {
    this.alive();
    this.reads++;
    const m = this.models.get(name);
    return m ? { name, aliases: { ...m.aliases }, tags: { ...m.tags } } : null;
  }
  async getVersion(name: string, version: string): Promise<ObservedVersion | null> {
    this.alive();
    this.reads++;
    const m = this.models.get(name);
    const v = m?.versions.find((x) => x.version === version);
    return m && v ? this.view(v, m.aliases) : null;
  }
  async findVersionsByTag(name: string, key: string, value: string): Promise<readonly ObservedVersion[]> {
    this.alive();
    this.reads++;
    const m = this.models.get(name);
    return m ? m.versions.filter((v) => v.tags[key] === value).map((v) => this.view(v, m.aliases)) : [];
  }
  async listVersions(name: string): Promise<readonly ObservedVersion[]> {
    this.alive();
    this.reads++;
    const m = this.models.get(name);
    return m ? m.versions.map((v) => this.view(v, m.aliases)) : [];
  }
  createModel(name: string) {
    return this.write('createModel', [name], () => {
      if (this.models.has(name)) return 'exists' as const;
      this.models.set(name, { aliases: {}, tags: {}, versions: [], next: 1 });
      return 'created' as const;
    });
  }
  createVersion(req: { name: string; source: string; runId: string | null; tags: Readonly<Record<string, string>> }) {
    return this.write('createVersion', [req], () => {
      const m = this.models.get(req.name);
      if (!m) throw fail('createVersion (no model)', 404);
      const v: Version = { name: req.name, version: String(m.next++), source: req.source, runId: req.runId, tags: { ...req.tags }, stage: 'None', status: 'READY' };
      m.versions.push(v);
      return this.view(v, m.aliases);
    });
  }
  setVersionTag(name: string, version: string, key: string, value: string) {
    return this.write('setVersionTag', [name, version, key, value], () => {
      const v = this.models.get(name)?.versions.find((x) => x.version === version);
      if (!v) throw fail('setVersionTag (no version)', 404);
      v.tags[key] = value;
    });
  }
  setModelTag(name: string, key: string, value: string) {
    return this.write('setModelTag', [name, key, value], () => {
      const m = this.models.get(name);
      if (!m) throw fail('setModelTag (no model)', 404);
      m.tags[key] = value;
    });
  }
  setAlias(name: string, alias: string, version: string) {
    return this.write('setAlias', [name, alias, version], () => {
      const m = this.models.get(name);
      if (!m) throw fail('setAlias (no model)', 404);
      m.aliases[alias] = version;
    });
  }
  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean) {
    return this.write('transitionStage', [name, version, stage, archiveExisting], () => {
      const m = this.models.get(name);
      const v = m?.versions.find((x) => x.version === version);
      if (!m || !v) throw fail('transitionStage (no version)', 404);
      if (archiveExisting) for (const o of m.versions) if (o !== v && o.stage === stage) o.stage = 'Archived';
      v.stage = stage;
    });
  }
  deleteVersion(name: string, version: string) {
    return this.write('deleteVersion', [name, version], () => {
      const m = this.models.get(name);
      if (m) m.versions = m.versions.filter((v) => v.version !== version);
    });
  }
  async listLocks(prefix: string): Promise<readonly LockRecord[]> {
    this.alive();
    this.reads++;
    return [...this.locks.entries()].filter(([n]) => n.startsWith(prefix)).map(([name, tags]) => ({ name, tags: { ...tags } }));
  }
  createLock(name: string, tags: Readonly<Record<string, string>>) {
    return this.write('createLock', [name], () => {
      if (this.locks.has(name)) return 'exists' as const;
      this.locks.set(name, { ...tags });
      return 'created' as const;
    });
  }
  deleteLock(name: string) {
    return this.write('deleteLock', [name], () => {
      this.locks.delete(name);
    });
  }

  async readLock(name: string): Promise<LockRecord | null> {
    this.alive();
    this.reads++;
    const tags = this.locks.get(name);
    return tags ? { name, tags: { ...tags } } : null;
  }
  setLockTag(name: string, key: string, value: string) {
    return this.write('setLockTag', [name, key, value], () => {
      const tags = this.locks.get(name);
      if (!tags) throw fail('setLockTag (no lock)', 404);
      tags[key] = value;
    });
  }

  /** Revive after a simulated kill (a new process against the same registry). */
  restart(): void {
    this.dead = false;
    this.killAfter = null;
    this.counts.clear();
  }

  /** Writes other than lock bookkeeping. */
  registryWrites(): number {
    return this.writes.filter((w) => w.op !== 'createLock' && w.op !== 'deleteLock' && w.op !== 'setLockTag').length;
  }
}
