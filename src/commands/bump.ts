// `mlops-gate bump --name N --version V`: pin the candidate of the models registered as N (in a
// chain's first environment) to version V in mlops.yml — the one-line change a promotion pull
// request proposes (examples/workflows/registry-relay.yml). The edited file is loaded again before
// it is written: a bump never leaves an invalid config behind.

import { EXIT, UsageError, type ExitCode } from '../errors.js';
import type { BumpInvocation } from '../invocation.js';
import { modelsRegisteredAs, setCandidateVersion } from '../relay/bump.js';
import { readConfig } from '../run/plan.js';
import { fileAccess, type CliIO } from '../wiring/io.js';

export function bumpCommand(inv: BumpInvocation, io: CliIO): ExitCode {
  const files = fileAccess(io.cwd);
  const deps = { ...files, env: io.env, now: io.now ?? new Date() };
  const { config } = readConfig(inv.configPath, deps);
  const matches = modelsRegisteredAs(config, inv.name);
  if (matches.length === 0) {
    io.stderr(`${inv.configPath}: no model is registered as "${inv.name}" in the first environment of a chain; nothing to change\n`);
    return EXIT.ok;
  }
  let text = files.readFile(inv.configPath) ?? '';
  let changed = false;
  for (const m of matches) {
    const edit = setCandidateVersion(text, m.model, inv.version);
    if ('error' in edit) throw new UsageError(`${inv.configPath}: ${edit.error}`);
    text = edit.text;
    changed ||= edit.changed;
    if (m.alsoSelects.length > 0) {
      io.stderr(
        `warning: models.${m.model}.candidate is also read in ${m.alsoSelects.join(', ')}, whose versions are numbered apart (promotion: copy); ` +
          `the pinned version ${inv.version} means a different version there\n`,
      );
    }
  }
  // The edited text must load and select exactly what was asked before it replaces the file.
  const after = readConfig(inv.configPath, { ...deps, readFile: (p) => (p === inv.configPath ? text : files.readFile(p)) }).config;
  for (const m of matches) {
    const c = after.models.get(m.model)?.candidate;
    if (c?.kind !== 'version' || c.version !== inv.version) throw new Error(`bump: models.${m.model}.candidate did not become version ${inv.version} (a bug)`);
  }
  if (changed) files.writeFile(inv.configPath, text);
  for (const m of matches) {
    io.stdout(`${m.model}: candidate { version: "${inv.version}" } (${inv.name} in ${m.environment})${changed ? '' : ', already pinned'}\n`);
  }
  return EXIT.ok;
}
