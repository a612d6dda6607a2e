// `mlops-gate validate`: load and check the config; nothing is contacted.

import { formatDiagnostic, EXIT, type ExitCode } from '../errors.js';
import type { ValidateInvocation } from '../invocation.js';
import { validateConfig } from '../run/validate.js';
import { fileAccess, type CliIO } from '../wiring/io.js';

export function validateCommand(inv: ValidateInvocation, io: CliIO): ExitCode {
  const report = validateConfig(inv, { ...fileAccess(io.cwd), env: io.env, now: io.now ?? new Date() });
  if (inv.format === 'json') {
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  } else {
    for (const w of report.diagnostics) io.stderr(formatDiagnostic(w) + '\n');
    io.stdout(
      `${report.valid ? '✓' : '✗'} ${report.file} ${report.valid ? 'is valid' : 'has warnings (--strict)'}: ${report.environments.length} environment(s), ` +
        `${report.models.length} model(s), ${report.policies.length} polic${report.policies.length === 1 ? 'y' : 'ies'} (${report.gates} gates), ` +
        `${report.targets.length} target(s)\n`,
    );
    if (report.bundle) {
      io.stdout(`  Asset Bundle ${report.bundle.name ? `"${report.bundle.name}" ` : ''}(${report.bundle.files.join(', ')}):\n`);
      for (const t of report.bundle.targets) {
        io.stdout(`    target ${t.target} → ${t.environment ? `environment ${t.environment}` : 'no environment (not checked)'}\n`);
        for (const o of t.objects) io.stdout(`      ${o.kind} ${o.name} (${o.at}): ${o.owner}\n`);
        if (t.unresolved.length) io.stdout(`      not known before deploy: ${t.unresolved.join(', ')}\n`);
      }
    }
  }
  return report.valid ? EXIT.ok : EXIT.invalid;
}
