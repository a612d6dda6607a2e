// quarantine: a version that `rollback` took out of service is not promoted again, to any
// environment, until a waiver names this gate. `rollback` marks the version it rolled back from
// and, when that version is a copy whose source lives on the same registry, the source too; a copy
// made of a marked version carries the mark (src/plan/build.ts). So the candidate's own version
// tags say it all: no request beyond the candidate itself.

import { quarantineEnvOf } from '../../registry/journal.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { readCandidate, result, versionLabel } from './kit.js';

export type QuarantineOptions = Record<string, never>;

const clip = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

export const quarantineGate: GateType<QuarantineOptions> = {
  type: 'quarantine',
  schemaRef: '#/$defs/gate_quarantine',

  parse: () => ({}),

  needs: () => ({}),

  evaluate(_o, ctx): GateResult {
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return candidate.result;
    const label = versionLabel(candidate.value);
    const marks = Object.entries(candidate.value.version.tags)
      .flatMap(([key, value]) => {
        const env = quarantineEnvOf(key);
        return env === null ? [] : [{ env, key, value }];
      })
      .sort((a, b) => a.env.localeCompare(b.env));
    if (marks.length === 0) return result('pass', `Candidate ${label} is not quarantined: no rollback took it out of service.`, { quarantined: false });
    const measured: Measured = { quarantined: true, environments: marks.map((m) => m.env).join(', '), mark: clip(marks[0]!.value) };
    const where = marks.map((m) => `in ${m.env} (${clip(m.value)})`).join('; ');
    const gate = ctx.gateId ?? '<this gate id>';
    return result(
      'fail',
      `Candidate ${label} is quarantined: it was rolled back ${where}. ` +
        `It is not promoted again until the problem is understood. To promote it anyway, add a waiver to mlops.yml naming this gate: ` +
        `{gate: ${gate}, models: [${ctx.target.model}], environments: [${ctx.target.to}], owner: <who decides>, reason: <why it is safe now>, expires: <YYYY-MM-DD>}; ` +
        `the mark itself stays on the version (tag ${marks[0]!.key}).`,
      measured,
    );
  },
};
