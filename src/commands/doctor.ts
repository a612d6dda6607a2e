// `mlops-gate doctor`: every environment of mlops.yml checked against the real workspace or server
// (src/wiring/doctor.ts), one row per check, in the chosen format. Exit 1 when a check fails.

import { EXIT, type ExitCode } from '../errors.js';
import { DOCTOR_FORMATS } from '../doctor/render.js';
import type { DoctorInvocation } from '../invocation.js';
import { runDoctor } from '../wiring/doctor.js';
import type { CliIO } from '../wiring/io.js';

export async function doctorCommand(inv: DoctorInvocation, io: CliIO): Promise<ExitCode> {
  const report = await runDoctor(inv, io);
  io.stdout(DOCTOR_FORMATS[inv.format](report));
  return report.summary.fail > 0 ? EXIT.blocked : EXIT.ok;
}
