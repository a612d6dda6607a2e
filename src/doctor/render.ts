// The doctor report's formats, one row each (like RENDERERS for results): `--format` takes these.

import type { DoctorCheck, DoctorReport } from './types.js';

const MARK = { pass: '✓ pass', warn: '! warn', fail: '✗ fail' } as const;

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function text(report: DoctorReport): string {
  const lines = [`mlops-gate doctor ${report.tool} — ${report.config}${report.probeWrites ? `, write probes in ${report.probeWrites}` : ' (read-only)'}`, ''];
  const envWidth = Math.max(3, ...report.checks.map((c) => c.environment.length));
  const checkWidth = Math.min(60, Math.max(5, ...report.checks.map((c) => c.check.length)));
  lines.push(`${pad('ENV', envWidth)}  ${pad('CHECK', checkWidth)}  STATUS  DETAIL`);
  for (const c of report.checks) {
    lines.push(`${pad(c.environment, envWidth)}  ${pad(c.check, checkWidth)}  ${MARK[c.status]}  ${c.detail}${c.ledger?.length ? ` [#${c.ledger.join(', #')}]` : ''}`);
    if (c.fix && c.status !== 'pass') lines.push(`${' '.repeat(envWidth + checkWidth + 4)}fix: ${c.fix}`);
  }
  const s = report.summary;
  lines.push('', `${s.pass} pass, ${s.warn} warn, ${s.fail} fail${s.fail ? ': fix the failing rows before the first promotion' : ''}`);
  return lines.join('\n') + '\n';
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdown(report: DoctorReport): string {
  const rows = report.checks.map(
    (c: DoctorCheck) => `| ${cell(c.environment)} | ${cell(c.check)} | ${MARK[c.status]} | ${cell(c.detail)}${c.ledger?.length ? ` (#${c.ledger.join(', #')})` : ''} | ${c.fix && c.status !== 'pass' ? cell(c.fix) : ''} |`,
  );
  const s = report.summary;
  return [
    `### mlops-gate doctor — ${report.config}${report.probeWrites ? ` (write probes in \`${report.probeWrites}\`)` : ' (read-only)'}`,
    '',
    '| environment | check | status | detail | fix |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `**${s.pass} pass, ${s.warn} warn, ${s.fail} fail**`,
    '',
  ].join('\n');
}

const json = (report: DoctorReport): string => JSON.stringify(report, null, 2) + '\n';

export const DOCTOR_FORMATS = { text, markdown, json } as const satisfies Readonly<Record<string, (r: DoctorReport) => string>>;

export type DoctorFormat = keyof typeof DOCTOR_FORMATS;

export const DOCTOR_FORMAT_NAMES = Object.keys(DOCTOR_FORMATS) as DoctorFormat[];
