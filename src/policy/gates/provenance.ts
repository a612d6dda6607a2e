// provenance: the candidate can be traced to a finished training run and a commit of this repository.

import { listOf, shortSha } from '../format.js';
import { readBoolean } from '../options.js';
import type { GateType, Measured } from '../types.js';
import { read, readCandidateRun, result } from './kit.js';

export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';

export interface ProvenanceOptions {
  readonly requireRun: boolean;
  readonly requireFinishedRun: boolean;
  readonly requireGitCommit: boolean;
  readonly commitInRepo: boolean;
}

export const provenanceGate: GateType<ProvenanceOptions> = {
  type: 'provenance',
  schemaRef: '#/$defs/gate_provenance',

  parse: (raw) => ({
    requireRun: readBoolean(raw, 'require_run', true),
    requireFinishedRun: readBoolean(raw, 'require_finished_run', true),
    requireGitCommit: readBoolean(raw, 'require_git_commit', true),
    commitInRepo: readBoolean(raw, 'commit_in_repo', false),
  }),

  needs: (o) => ({
    candidateRun: o.requireRun || o.requireFinishedRun || o.requireGitCommit || o.commitInRepo,
    commits: o.commitInRepo,
  }),

  evaluate(o, ctx) {
    const threshold: Measured = {
      require_run: o.requireRun,
      require_finished_run: o.requireFinishedRun,
      require_git_commit: o.requireGitCommit,
      commit_in_repo: o.commitInRepo,
    };
    const needsRun = o.requireRun || o.requireFinishedRun || o.requireGitCommit || o.commitInRepo;
    if (!needsRun) return result('pass', 'No provenance requirement is enabled.', {}, threshold);
    const fact = readCandidateRun(ctx);
    if (!fact.ok) return { ...fact.result, threshold };
    const { run } = fact.value;
    const label = `${fact.value.version.version.name} v${fact.value.version.version.version}`;

    const commit = run?.tags[GIT_COMMIT_TAG]?.trim() || null;
    const measured: Record<string, string | boolean | null> = {
      run_id: run?.runId ?? null,
      run_status: run?.status ?? null,
      git_commit: commit,
    };
    const problems: string[] = [];
    if (run === null) {
      // Without a run there is no status and no commit: every enabled run requirement fails.
      if (o.requireRun) problems.push('it has no source run');
      else if (o.requireGitCommit || o.commitInRepo) problems.push(`it has no source run, so no git commit (${GIT_COMMIT_TAG})`);
    } else {
      if (o.requireFinishedRun && run.status !== 'FINISHED') problems.push(`its run ${run.runId} is ${run.status}, not FINISHED`);
      if ((o.requireGitCommit || o.commitInRepo) && commit === null) problems.push(`its run ${run.runId} has no ${GIT_COMMIT_TAG} tag`);
      if (o.commitInRepo && commit !== null) {
        const commits = read(ctx.evidence.commits, `whether commit ${shortSha(commit)} is in this repository`);
        if (!commits.ok) return { ...commits.result, measured, threshold };
        const inRepo = commits.value[commit];
        if (inRepo === undefined) {
          return result('error', `Evidence not gathered: whether commit ${shortSha(commit)} is in this repository.`, measured, threshold);
        }
        measured.commit_in_repo = inRepo;
        if (!inRepo) problems.push(`its commit ${shortSha(commit)} is not in this repository`);
      }
    }
    if (problems.length > 0) {
      return result('fail', `Provenance of ${label} is incomplete: ${listOf(problems)}.`, measured, threshold);
    }
    const facts = [
      run ? `run ${run.runId} (${run.status})` : 'no source run (not required)',
      ...(commit ? [`commit ${shortSha(commit)}${o.commitInRepo ? ' in this repository' : ''}`] : []),
    ];
    return result('pass', `${label} traces to ${listOf(facts)}.`, measured, threshold);
  },
};
