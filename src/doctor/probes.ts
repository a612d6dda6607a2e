// `--probe-writes`: the ledger rows only a write can show (docs/fidelity.md), each judged from what
// the workspace answered. Some answers are requirements (mlops-gate cannot promote without them: a
// refusal fails); the rest are readings mlops-gate handles either way (the row says which one this
// workspace follows, so the ledger can be settled from real workspaces).

import type { Answer, CheckStatus, DoctorCheck } from './types.js';
import { describeFailure } from './types.js';

export type ProbeId =
  | 'create-model'
  | 'tag-key-ours'
  | 'tag-key-reserved'
  | 'tag-value-1000'
  | 'tag-value-1001'
  | 'version-create'
  | 'search-tags'
  | 'alias-pending'
  | 'files-upload'
  | 'finalize'
  | 'finalize-again'
  | 'get-tags'
  | 'alias-ready'
  | 'missing-alias'
  | 'missing-version'
  | 'delete-missing-tag'
  | 'update-no-change'
  | 'search-no-filter'
  | 'search-run-id'
  | 'search-missing-model'
  | 'cleanup';

/** What one probe did: the answer, or why it was not sent (an earlier step it needs failed). */
export type ProbeOutcome =
  | { readonly id: ProbeId; readonly answer: Answer<unknown>; readonly seen?: string }
  | { readonly id: ProbeId; readonly skipped: string };

interface ProbeInfo {
  readonly title: string;
  readonly ledger: readonly number[];
  /** true: mlops-gate needs it to succeed. */
  readonly required: boolean;
  /** The row for an answer. */
  readonly judge: (a: Answer<unknown>, seen: string | undefined) => { status: CheckStatus; detail: string; fix?: string };
}

const ok = (detail: string) => ({ status: 'pass' as const, detail });
const refusal = (a: Answer<unknown>): string => (a.ok ? `${a.status}` : describeFailure(a));
/** A refusal in few words: `400 INVALID_STATE` (the full message when there was no HTTP answer). */
const code = (a: Answer<unknown>): string => (a.ok ? `${a.status}` : a.status === null ? a.message : `${a.status}${a.errorCode ? ` ${a.errorCode}` : ''}`);

/** A requirement: refused → fail, with the fix. */
const need = (what: string, fix: string): ProbeInfo['judge'] => (a, seen) =>
  a.ok ? ok(seen ?? `${what}: accepted`) : { status: 'fail', detail: `${what}: refused (${refusal(a)})`, fix };

/** A reading mlops-gate handles either way. */
const reading = (accepted: string, refused: string): ProbeInfo['judge'] => (a, seen) =>
  a.ok ? ok(seen ?? accepted) : ok(`${refused}: ${code(a)}`);

/** An error code mlops-gate reads as "absent": one of `codes`, else a warning. */
const absentCode = (codes: readonly string[], what: string): ProbeInfo['judge'] => (a, seen) => {
  if (a.ok) return ok(seen ?? `${what}: answered 200 (read as absent)`);
  if (a.errorCode !== null && codes.includes(a.errorCode)) return ok(`${what}: ${a.status} ${a.errorCode}, which mlops-gate reads as absent`);
  return { status: 'warn', detail: `${what}: ${refusal(a)}, a code mlops-gate does not read as absent (${codes.join(', ')})`, fix: 'report it: docs/fidelity.md names the codes this reading relies on' };
};

export const WRITE_PROBES: { readonly [K in ProbeId]: ProbeInfo } = {
  'create-model': {
    title: 'create a model with a tag in the create call',
    ledger: [50, 51],
    required: true,
    judge: need('registered-models/create with tags', 'grant CREATE MODEL on the scratch schema (promote creates models and its lock models this way)'),
  },
  'tag-key-ours': {
    title: "a tag key as mlops-gate writes it (mlops_gate_…)",
    ledger: [56],
    required: true,
    judge: need('set-tag mlops_gate_doctor_probe', 'report it: mlops-gate writes only keys of letters, digits and _; if even those are refused, no journal can be written'),
  },
  'tag-key-reserved': {
    title: 'a tag key with a reserved character (mlops_gate.doctor)',
    ledger: [56],
    required: false,
    judge: reading('accepted: this route does not apply the documented key rule (mlops-gate uses no . , - = / : anyway)', 'refused, as the documented tag rules say (mlops-gate uses no . , - = / :)'),
  },
  'tag-value-1000': {
    title: 'a tag value of 1000 characters (the documented maximum, what mlops-gate writes at most)',
    ledger: [56],
    required: true,
    judge: need('set-tag with a 1000-character value', 'report it: mlops-gate chunks journal records at 1000 characters'),
  },
  'tag-value-1001': {
    title: 'a tag value of 1001 characters',
    ledger: [56],
    required: false,
    judge: reading('accepted: longer values than documented are taken (mlops-gate never writes them)', 'refused, as documented'),
  },
  'version-create': {
    title: 'create a version with a tag in the create call',
    ledger: [52],
    required: true,
    judge: need('model-versions/create', 'grant the principal ownership of models it promotes into (creating a version needs it)'),
  },
  'search-tags': {
    title: 'tags in search results',
    ledger: [41],
    required: false,
    judge: reading('answered', 'search refused'),
  },
  'alias-pending': {
    title: 'an alias on a PENDING_REGISTRATION version',
    ledger: [58],
    required: false,
    judge: reading('accepted (mlops-gate aliases only READY versions either way)', 'refused (mlops-gate aliases only READY versions either way)'),
  },
  'files-upload': {
    title: "upload a version's file through the Files API (/Models/…)",
    ledger: [64, 65],
    required: true,
    judge: need('PUT /api/2.0/fs/files/Models/…', 'promote uploads a copy\'s files this way: the workspace must serve model files through the Files API (doctor\'s "files-api" row)'),
  },
  finalize: {
    title: 'finalize the version',
    ledger: [54],
    required: true,
    judge: need('model-versions/finalize', 'report it: every copy is finalized this way'),
  },
  'finalize-again': {
    title: 'finalize a READY version again (a retry after a lost answer)',
    ledger: [55],
    required: false,
    judge: reading('answered READY again', 'refused (mlops-gate then reads the version and accepts READY)'),
  },
  'get-tags': {
    title: 'tags and aliases read back with model-versions/get',
    ledger: [46],
    required: true,
    judge: (a, seen) => (a.ok && seen?.startsWith('tags read back') ? ok(seen) : { status: 'fail', detail: a.ok ? seen ?? 'no tags in the answer' : refusal(a), fix: 'report it: mlops-gate reads its journal and copy identity this way' }),
  },
  'alias-ready': {
    title: 'an alias on a READY version',
    ledger: [57],
    required: true,
    judge: need('registered-models/alias', 'grant the principal ownership of the models it promotes into (setting an alias needs it)'),
  },
  'missing-alias': {
    title: 'get a version by an alias that does not exist',
    ledger: [49],
    required: false,
    judge: absentCode(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND', 'INVALID_PARAMETER_VALUE'], 'missing alias'),
  },
  'missing-version': {
    title: 'get a version that does not exist',
    ledger: [47],
    required: false,
    judge: absentCode(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND'], 'missing version'),
  },
  'delete-missing-tag': {
    title: 'delete a tag that does not exist',
    ledger: [105],
    required: false,
    judge: reading('answered 200 (mlops-gate never deletes tags)', 'refused (mlops-gate never deletes tags)'),
  },
  'update-no-change': {
    title: 'an update that changes nothing',
    ledger: [106],
    required: false,
    judge: reading('answered the model (mlops-gate never sends one)', 'refused (mlops-gate never sends one)'),
  },
  'search-no-filter': {
    title: 'model-versions/search without a filter',
    ledger: [44],
    required: false,
    judge: reading('answered (mlops-gate always sends a filter)', 'refused (mlops-gate always sends a filter)'),
  },
  'search-run-id': {
    title: "model-versions/search with run_id='…'",
    ledger: [42],
    required: false,
    judge: reading('accepted (mlops-gate does not use it)', 'refused (mlops-gate does not use it)'),
  },
  'search-missing-model': {
    title: 'model-versions/search for a model that does not exist',
    ledger: [43],
    required: false,
    judge: absentCode(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND'], 'search of a missing model'),
  },
  cleanup: {
    title: 'delete what the probe created',
    ledger: [31, 59],
    required: true,
    judge: (a, seen) => (a.ok ? ok(seen ?? 'deleted') : { status: 'fail', detail: `could not delete what the probe created (${refusal(a)}); ${seen ?? ''}`.trim(), fix: 'delete the model named in the detail by hand' }),
  },
};

export const PROBE_ORDER = Object.keys(WRITE_PROBES) as ProbeId[];

export function probeChecks(environment: string, outcomes: readonly ProbeOutcome[]): DoctorCheck[] {
  return outcomes.map((o) => {
    const info = WRITE_PROBES[o.id];
    const check = `probe: ${info.title}`;
    if ('skipped' in o) {
      return { environment, check, status: info.required ? 'fail' : 'warn', detail: `not probed: ${o.skipped}`, fix: info.required ? 'fix the probe that failed before it, then run doctor again' : null, ledger: info.ledger };
    }
    const judged = info.judge(o.answer, o.seen);
    return { environment, check, status: judged.status, detail: judged.detail, fix: judged.fix ?? null, ledger: info.ledger };
  });
}
