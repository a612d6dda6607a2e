// `command: doctor` in the action: the same checks as the CLI (src/wiring/doctor.ts), the table in
// the job summary, the JSON report as a file, `verdict` pass | warn | fail.

import * as core from '@actions/core';
import { DOCTOR_FORMATS } from '../doctor/render.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { DoctorInvocation } from '../invocation.js';
import { redact } from '../platform/http/redact.js';
import { runDoctor } from '../wiring/doctor.js';
import { fileAccess, type CliIO } from '../wiring/io.js';

export async function actionDoctor(inv: DoctorInvocation, io: CliIO): Promise<ExitCode> {
  const report = await runDoctor(inv, io);
  core.info(redact(DOCTOR_FORMATS.text(report)));
  const path = `${process.env.RUNNER_TEMP ?? io.cwd}/mlops-gate-doctor.json`;
  fileAccess(io.cwd).writeFile(path, redact(DOCTOR_FORMATS.json(report)));
  await core.summary.addRaw(redact(DOCTOR_FORMATS.markdown(report))).write();
  core.setOutput('verdict', report.summary.fail > 0 ? 'fail' : report.summary.warn > 0 ? 'warn' : 'pass');
  core.setOutput('result-json', path);
  for (const c of report.checks) if (c.status === 'fail') core.error(redact(`${c.environment}: ${c.check}: ${c.detail}${c.fix ? ` — fix: ${c.fix}` : ''}`), { title: 'mlops-gate doctor' });
  return report.summary.fail > 0 ? EXIT.blocked : EXIT.ok;
}
