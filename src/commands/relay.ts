// `mlops-gate relay`: MLflow registry webhooks in, GitHub `repository_dispatch` out (docs/relay.md).
// Everything it needs is checked before it listens: the secret and the token are read from the
// environment variables named by the flags, and a missing one is a usage error (exit 2).

import { EXIT, UsageError, type ExitCode } from '../errors.js';
import type { RelayInvocation } from '../invocation.js';
import type { CliIO } from '../wiring/io.js';
import { startRelay } from '../wiring/relay.js';

/** Shorter secrets are refused: HMAC keys should not be guessable. */
const MIN_SECRET_LENGTH = 16;

export async function relayCommand(inv: RelayInvocation, io: CliIO): Promise<ExitCode> {
  const secret = io.env[inv.secretEnv] ?? '';
  if (secret.length === 0) {
    throw new UsageError(`relay: environment variable ${inv.secretEnv} is not set; it must hold the secret given to MLflow when the webhook was created (--secret-env names another variable)`);
  }
  if (secret.length < MIN_SECRET_LENGTH) throw new UsageError(`relay: the secret in ${inv.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters; use a long random value`);
  const token = io.env[inv.tokenEnv] ?? '';
  if (token.length === 0) {
    throw new UsageError(`relay: environment variable ${inv.tokenEnv} is not set; it must hold a GitHub token allowed to create repository_dispatch events (contents: write)`);
  }
  const repo = inv.githubRepo ?? io.env.GITHUB_REPOSITORY ?? null;
  if (!repo || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new UsageError('relay: --github-repo OWNER/NAME is required (or GITHUB_REPOSITORY)');
  const [owner, name] = repo.split('/') as [string, string];
  const apiUrl = (io.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(apiUrl)) throw new UsageError(`relay: GITHUB_API_URL must be an http(s) URL (got "${apiUrl}")`);

  const relay = await startRelay({
    host: inv.host,
    port: inv.port,
    path: inv.path,
    rules: {
      secret,
      eventType: inv.eventType,
      events: inv.events,
      models: inv.models,
      aliases: inv.aliases,
      maxSkewSeconds: inv.maxSkewSeconds,
      registryUrl: inv.registryUrl,
    },
    github: { apiUrl, owner, repo: name, token },
    maxBodyBytes: inv.maxBodyBytes,
    concurrency: inv.concurrency,
    queueLimit: inv.queueLimit,
    env: io.env,
    log: (line) => io.stderr(`${line}\n`),
  });
  io.stdout(`mlops-gate relay listening on ${relay.url} → repository_dispatch "${inv.eventType}" to ${owner}/${name} via ${apiUrl}\n`);
  await (io.untilStopped ?? (() => new Promise<void>(() => undefined)))();
  await relay.close();
  const s = relay.stats();
  io.stderr(`relay: stopped; ${s.accepted} accepted, ${s.dispatched} dispatched, ${s.failed} failed, ${s.refused} refused\n`);
  return EXIT.ok;
}
