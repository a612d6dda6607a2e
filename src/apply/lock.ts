// A lock per destination model × environment, built on the registry's only atomic primitive:
// creating a named object fails with RESOURCE_ALREADY_EXISTS when it exists. Lock objects are
// registered models named `mlops-gate-lock.<key>.g<N>`; the owner, run link and expiry are tags
// set in the create call. Generations make takeover safe: an expired lock g<N> is never deleted
// and re-created (two takers could both succeed); the taker creates g<N+1>, which exactly one
// concurrent taker can win.

import { ApplyError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import type { LockRecord, PromotionRegistry } from '../registry/ports.js';

/** Tag keys on a lock object, within Unity Catalog's tag rules (no `.`: docs/fidelity.md #56). */
export const LOCK_TAGS = {
  owner: 'mlops_gate_lock_owner',
  token: 'mlops_gate_lock_token',
  runUrl: 'mlops_gate_lock_run_url',
  acquiredAt: 'mlops_gate_lock_acquired_at',
  expiresAt: 'mlops_gate_lock_expires_at',
  purpose: 'mlops_gate_lock_purpose',
  reclaimKey: 'mlops_gate_lock_reclaim_key',
} as const;

/** A lock taken by an earlier version of mlops-gate has its tags under `mlops_gate.lock.<field>`; it is still respected. */
const legacyLockKey = (key: string): string => key.replace(/^mlops_gate_lock_/, 'mlops_gate.lock.');

/** Lock tag values stay within the 1000 characters a Unity Catalog tag value may hold. */
const clip = (value: string): string => (value.length > 1000 ? value.slice(0, 1000) : value);

export interface LockRequest {
  /** e.g. the destination model and environment. */
  readonly key: string;
  readonly owner: string;
  /** Unique per run, so a run recognises its own lock. */
  readonly token: string;
  readonly runUrl: string | null;
  readonly ttlMs: number;
  readonly now: () => Date;
  readonly purpose: string;
  /**
   * Identifies the job across attempts (e.g. `<repo>/<GITHUB_RUN_ID>`): a live lock with the same
   * key was left by an earlier attempt of this very job that died, and may be taken over at once
   * instead of waiting for it to expire. null: only expiry frees a lock.
   */
  readonly reclaimKey?: string | null;
}

export interface LockHolder {
  readonly name: string;
  readonly generation: number;
  readonly owner: string;
  readonly token: string;
  readonly runUrl: string | null;
  readonly acquiredAt: string;
  readonly expiresAt: string;
  readonly purpose: string;
  readonly reclaimKey: string | null;
}

export type LockOutcome =
  | { readonly acquired: true; readonly lock: LockHolder; readonly tookOver: LockHolder | null; readonly writes: number }
  | { readonly acquired: false; readonly holder: LockHolder; readonly writes: number }
  /** Neither create was confirmed and no lock is visible yet (e.g. both timed out): try again later. */
  | { readonly acquired: false; readonly holder: null; readonly writes: number };

/** `mlops-gate-lock.<readable key>.<hash>.g` — readable in the registry UI, collision-free by the hash. */
export const lockPrefix = (key: string): string =>
  `mlops-gate-lock.${key.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 120)}.${sha256Hex(key).slice(0, 10)}.g`;

const parse = (prefix: string, record: LockRecord): LockHolder | null => {
  if (!record.name.startsWith(prefix)) return null;
  const generation = Number(record.name.slice(prefix.length));
  if (!Number.isInteger(generation) || generation < 1) return null;
  const t = (key: string): string | undefined => record.tags[key] ?? record.tags[legacyLockKey(key)];
  return {
    name: record.name,
    generation,
    owner: t(LOCK_TAGS.owner) ?? 'unknown',
    token: t(LOCK_TAGS.token) ?? '',
    runUrl: t(LOCK_TAGS.runUrl) || null,
    acquiredAt: t(LOCK_TAGS.acquiredAt) ?? '',
    // A lock without an expiry (e.g. tags lost) is treated as expired, so it cannot block forever.
    expiresAt: t(LOCK_TAGS.expiresAt) ?? '1970-01-01T00:00:00.000Z',
    purpose: t(LOCK_TAGS.purpose) ?? '',
    reclaimKey: t(LOCK_TAGS.reclaimKey) || null,
  };
};

export const isExpired = (lock: LockHolder, now: Date): boolean => {
  const t = Date.parse(lock.expiresAt);
  return Number.isNaN(t) || t <= now.getTime();
};

export const describeHolder = (h: LockHolder): string =>
  `${h.owner}${h.purpose ? ` (${h.purpose})` : ''} since ${h.acquiredAt || 'an unknown time'}` +
  `${h.runUrl ? `, run ${h.runUrl}` : ''}; the lock expires at ${h.expiresAt}`;

/** The generations of a lock, oldest first. */
const readLocks = async (registry: PromotionRegistry, prefix: string): Promise<LockHolder[]> =>
  (await registry.listLocks(prefix))
    .map((r) => parse(prefix, r))
    .filter((l): l is LockHolder => l !== null)
    .sort((a, b) => a.generation - b.generation);

/** `<prefix><N>` → `<prefix>`. */
const prefixOf = (lock: LockHolder): string => lock.name.slice(0, lock.name.length - String(lock.generation).length);

export async function acquireLock(registry: PromotionRegistry, req: LockRequest): Promise<LockOutcome> {
  const prefix = lockPrefix(req.key);
  let writes = 0;
  const read = () => readLocks(registry, prefix);
  // Locks of this same job (an earlier attempt) and expired ones hold nobody off.
  const liveHolder = (locks: readonly LockHolder[], now: Date): LockHolder | null =>
    locks.filter((l) => !isExpired(l, now) && !(req.reclaimKey && l.reclaimKey === req.reclaimKey)).at(-1) ?? null;
  // Holding generation N: the older generations were expired or reclaimable when this run chose to
  // create N, so they are clutter now (best effort; an undeleted one only expires).
  const won = async (lock: LockHolder, locks: readonly LockHolder[]): Promise<LockOutcome> => {
    const older = locks.filter((l) => l.generation < lock.generation);
    for (const stale of older) {
      writes++;
      await registry.deleteLock(stale.name).catch(() => undefined);
    }
    return { acquired: true, lock, tookOver: older.at(-1) ?? null, writes };
  };

  // Two rounds: a create can lose to a concurrent taker; then the winner is re-read and reported.
  for (let round = 0; round < 2; round++) {
    const locks = await read();
    const now = req.now();
    // A create whose answer was lost is found here by this run's token.
    const mine = locks.find((l) => l.token === req.token);
    if (mine) return won(mine, locks);
    const holder = liveHolder(locks, now);
    if (holder) return { acquired: false, holder, writes };

    const generation = (locks.at(-1)?.generation ?? 0) + 1;
    const lock: LockHolder = {
      name: `${prefix}${generation}`,
      generation,
      owner: req.owner,
      token: req.token,
      runUrl: req.runUrl,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + req.ttlMs).toISOString(),
      purpose: req.purpose,
      reclaimKey: req.reclaimKey ?? null,
    };
    writes++;
    const created = await registry
      .createLock(lock.name, {
        [LOCK_TAGS.owner]: clip(lock.owner),
        [LOCK_TAGS.token]: lock.token,
        [LOCK_TAGS.runUrl]: clip(lock.runUrl ?? ''),
        [LOCK_TAGS.acquiredAt]: lock.acquiredAt,
        [LOCK_TAGS.expiresAt]: lock.expiresAt,
        [LOCK_TAGS.purpose]: clip(lock.purpose),
        ...(lock.reclaimKey ? { [LOCK_TAGS.reclaimKey]: clip(lock.reclaimKey) } : {}),
      })
      .catch((): 'unknown' => 'unknown');
    if (created === 'created') return won(lock, locks);
  }
  // Two creates lost or unanswered in a row: the last read decides — this run's own lock (its
  // answer was lost), whoever else holds it now, or nobody yet (a create may still land late; the
  // next run of this job removes it).
  const locks = await read();
  const mine = locks.find((l) => l.token === req.token);
  if (mine) return won(mine, locks);
  return { acquired: false, holder: liveHolder(locks, req.now()), writes };
}

/** Deletes the lock. A failure leaves it to expire; the caller reports it as a warning. */
export async function releaseLock(registry: PromotionRegistry, lock: LockHolder): Promise<void> {
  await registry.deleteLock(lock.name);
}

/**
 * Deletes the locks an earlier attempt of this same job left behind (same reclaim key), and
 * expired ones. Run when there is nothing to apply, so no lock is taken: a lock create that the
 * server applied after the client had given up — and after the run released its lock — is
 * otherwise found by nobody and blocks other jobs until it expires.
 */
export async function releaseStaleLocks(
  registry: PromotionRegistry,
  req: { readonly key: string; readonly reclaimKey: string; readonly now: () => Date },
): Promise<{ readonly released: readonly LockHolder[]; readonly writes: number }> {
  const now = req.now();
  const stale = (await readLocks(registry, lockPrefix(req.key))).filter((l) => l.reclaimKey === req.reclaimKey || isExpired(l, now));
  const released: LockHolder[] = [];
  for (const lock of stale) {
    // Best effort, like the clean-up after a takeover: an undeleted stale lock only expires later.
    const ok = await registry.deleteLock(lock.name).then(
      () => true,
      () => false,
    );
    if (ok) released.push(lock);
  }
  return { released, writes: stale.length };
}

/**
 * Keeps a held lock alive while a long promotion runs: `beat()` is called between steps and while
 * waiting on endpoints; at most every third of the lifetime it checks that the lock is still this
 * run's and pushes its expiry forward. A killed process stops beating, so its lock expires one
 * lifetime after its last beat instead of after the longest wait a plan could need.
 */
export function lockKeeper(registry: PromotionRegistry, held: LockHolder, options: { readonly ttlMs: number; readonly now: () => Date }) {
  let lock = held;
  let renewedAt = Date.parse(held.acquiredAt);
  let renewals = 0;
  let lost = false;
  return {
    current: (): LockHolder => lock,
    renewals: (): number => renewals,
    /** Set once a beat found the lock gone or someone else's: it must not be released then. */
    lost: (): boolean => lost,
    async beat(): Promise<void> {
      const now = options.now().getTime();
      if (Number.isFinite(renewedAt) && now - renewedAt < options.ttlMs / 3) return;
      let record: LockRecord | null;
      try {
        record = await registry.readLock(lock.name);
      } catch (e) {
        // A failed read is retried at the next beat, as long as the lock has not run out meanwhile.
        if (Number.isFinite(renewedAt) && now - renewedAt < options.ttlMs) return;
        lost = true;
        throw new ApplyError(`could not renew the lock ${lock.name} before it expired (${e instanceof Error ? e.message : String(e)}); stopped before the next change`);
      }
      const seen = record ? parse(prefixOf(lock), record) : null;
      if (!seen || seen.token !== lock.token) {
        lost = true;
        throw new ApplyError(
          `lost the lock ${lock.name} while working (it ${seen ? `now belongs to ${describeHolder(seen)}` : 'no longer exists'}); stopped before the next change`
        );
      }
      const expiresAt = new Date(now + options.ttlMs).toISOString();
      try {
        await registry.setLockTag(lock.name, LOCK_TAGS.expiresAt, expiresAt);
      } catch {
        return; // as above: the next beat tries again
      }
      lock = { ...lock, expiresAt };
      renewedAt = now;
      renewals++;
    },
  };
}

export type LockKeeper = ReturnType<typeof lockKeeper>;
