// Shared pieces of the benchmarks: the generated registry world (N models promoted dev → test →
// prod), its mlops.yml, running the bundled CLI as a child process with its peak RSS, statistics
// and table printing.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

let snapshot: string | null = null;
/**
 * A private copy of dist/ taken on first use: other work in the checkout may rebuild dist/ while a
 * benchmark runs, and one run must measure one build. Removed when the process exits.
 */
export const bundleDir = (): string => {
  if (snapshot) return snapshot;
  for (const f of ['cli.js', 'index.js', 'package.json']) {
    if (!existsSync(join(REPO, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-dist-'));
  cpSync(join(REPO, 'dist'), dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  snapshot = dir;
  return dir;
};
export const cliPath = (): string => join(bundleDir(), 'cli.js');
export const actionPath = (): string => join(bundleDir(), 'index.js');
/** Preloaded into measured child processes: prints their peak RSS on exit. */
export const RSS_PROBE = `${REPO}/bench/rss-probe.mjs`;
/** The ceiling of the HTTP client's adaptive per-host concurrency (src/platform/http/concurrency.ts). */
export const CONCURRENCY = 64;
/** alias → version → run / MLmodel. */
export const DEPTH = 3;

// ---- flags --------------------------------------------------------------------------------------

export const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
};
export const numberFlag = (name: string, fallback: number): number => {
  const value = Number(flag(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};
export const listFlag = (name: string, fallback: readonly number[]): number[] =>
  flag(name, fallback.join(','))
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${s}" is not a positive integer`);
      return n;
    });
export const hasFlag = (name: string): boolean => process.argv.includes(`--${name}`);

// ---- the generated world ------------------------------------------------------------------------

export const modelId = (i: number): string => `m${String(i).padStart(4, '0')}`;

/** Eight typed columns, as a churn-style tabular model logs with infer_signature. */
export const SIGNATURE_INPUTS = [
  { type: 'double', name: 'tenure_months', required: true },
  { type: 'double', name: 'monthly_charges', required: true },
  { type: 'double', name: 'total_charges', required: true },
  { type: 'long', name: 'support_calls', required: true },
  { type: 'long', name: 'contract_months', required: true },
  { type: 'string', name: 'payment_method', required: true },
  { type: 'boolean', name: 'paperless_billing', required: true },
  { type: 'double', name: 'avg_session_minutes', required: true },
];
export const SIGNATURE_OUTPUTS = [{ type: 'double', name: 'probability', required: true }];

/** Per model: run 1 (the champion everywhere) and run 2 (the better challenger). */
export const runFacts = (i: number, which: 1 | 2) => ({
  name: `${modelId(i)}-train-${which}`,
  params: { model: 'GradientBoostingClassifier', n_estimators: which === 1 ? '200' : '300', max_depth: '4' },
  metrics: { roc_auc: which === 1 ? 0.84 + (i % 7) / 1000 : 0.86 + (i % 7) / 1000, latency_p95_ms: which === 1 ? 41 : 39 },
  tags: {
    'mlflow.source.git.commit': (which === 1 ? '4f1c2ab9d0e1' : '9b7e0d1c33fa') + String(i).padStart(28, '0'),
    'mlflow.user': 'data-scientist@example.com',
  },
});

export const VERSION_TAGS = { owner: 'ml-platform', validation_status: 'passed' };

/**
 * The emulator seed: one workspace, catalogs ml_dev/ml_test/ml_prod. Per model: dev v1 (run 1),
 * v2 (run 2, alias challenger); test v1 (copy of dev v1, alias champion), v2 (copy of dev v2, alias
 * challenger); prod v1 (copy of test v1, alias champion). Every version carries a generated
 * scikit-learn pyfunc MLmodel with the signature, requirements.txt and an input example.
 */
export const ucSeed = (models: number) => {
  const files = {
    'requirements.txt': 'mlflow==3.17.2\nscikit-learn==1.9.1\npandas==2.3.3\n',
    'input_example.json': JSON.stringify({
      columns: SIGNATURE_INPUTS.map((c) => c.name),
      data: [[12, 70.5, 846, 2, 12, 'card', true, 14.2]],
    }),
  };
  const experiments = [];
  const registered = [];
  for (let i = 0; i < models; i++) {
    const id = modelId(i);
    const experiment = `/Shared/bench/${id}`;
    const run = (which: 1 | 2) => {
      const facts = runFacts(i, which);
      return { ...facts, status: 'FINISHED' };
    };
    experiments.push({ name: experiment, runs: [run(1), run(2)] });
    const version = (which: 1 | 2, source?: string) => ({
      ...(source ? { source } : {}),
      run: { experiment, name: runFacts(i, which).name },
      description: which === 1 ? 'Baseline.' : 'Retrained on the latest snapshot.',
      tags: VERSION_TAGS,
      signature: { inputs: SIGNATURE_INPUTS, outputs: SIGNATURE_OUTPUTS },
      files,
    });
    registered.push(
      { name: `ml_dev.models.${id}`, aliases: { challenger: 2 }, versions: [version(1), version(2)] },
      {
        name: `ml_test.models.${id}`,
        aliases: { champion: 1, challenger: 2 },
        versions: [version(1, `models:/ml_dev.models.${id}/1`), version(2, `models:/ml_dev.models.${id}/2`)],
      },
      { name: `ml_prod.models.${id}`, aliases: { champion: 1 }, versions: [version(1, `models:/ml_test.models.${id}/1`)] },
    );
  }
  return {
    workspaces: {
      bench: {
        catalog: {
          catalogs: ['ml_dev', 'ml_test', 'ml_prod'].map((name) => ({ name, schemas: ['models'] })),
        },
        tracking: { experiments },
        registry: { models: registered },
      },
    },
  };
};

const POLICY = `policies:
  release:
    description: What every promotion must show.
    gates:
      - type: required_tags
        tags: { owner: ".+", validation_status: "passed|approved" }
      - type: metric_threshold
        metric: roc_auc
        threshold: 0.80
        greater_is_better: true
      - type: metric_delta
        metric: roc_auc
        greater_is_better: true
        max_regression: { relative: 0.01 }
        on_missing_baseline: pass
      - type: signature
        require_inputs: true
        require_outputs: true
        compatible_with: champion
`;

/** mlops.yml for N models × (dev→test, test→prod), on Unity Catalog or on one MLflow server. */
export const benchConfig = (models: number, registry: 'databricks-uc' | 'mlflow'): string => {
  const env = (name: string, from?: string) =>
    registry === 'databricks-uc'
      ? `  ${name}:\n    registry: databricks-uc\n    host: \${DATABRICKS_HOST}\n    catalog: ml_${name}\n    schema: models\n${from ? `    promote_from: ${from}\n` : ''}`
      : `  ${name}:\n    registry: mlflow\n    tracking_uri: \${MLFLOW_TRACKING_URI}\n${from ? `    promote_from: ${from}\n` : ''}`;
  const lines = ['version: 1', '', 'environments:', env('dev'), env('test', 'dev'), env('prod', 'test'), 'models:'];
  for (let i = 0; i < models; i++) {
    const name = registry === 'databricks-uc' ? modelId(i) : `${modelId(i)}-\${env}`;
    lines.push(`  ${modelId(i)}:\n    name: ${name}\n    candidate: { alias: challenger }\n    champion_alias: champion\n    policies: [release]`);
  }
  return `${lines.join('\n')}\n\n${POLICY}`;
};

// ---- child processes ----------------------------------------------------------------------------

export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, ms. */
  readonly wallMs: number;
  /** Peak resident set size of the child in MiB, when rss-probe.mjs was preloaded. */
  readonly peakRssMiB: number | null;
}

/** Runs `node [--import rss-probe] args`, collecting output, wall time and peak RSS. */
export const runNode = (
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; probe?: boolean; command?: string } = {},
): Promise<ChildRun> =>
  new Promise((resolveRun, reject) => {
    const started = performance.now();
    const command = options.command ?? process.execPath;
    const full = options.probe === false || options.command ? [...args] : ['--import', RSS_PROBE, ...args];
    const child = spawn(command, full, { env: options.env ?? process.env, cwd: options.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const m = /__peak_rss_kib=(\d+)/.exec(stderr);
      resolveRun({
        code,
        stdout,
        stderr: stderr.replace(/__peak_rss_kib=\d+\n?/, ''),
        wallMs,
        peakRssMiB: m ? Number(m[1]) / 1024 : null,
      });
    });
  });

// ---- numbers and tables ---------------------------------------------------------------------------

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const fmt = (n: number, digits = 0): string => n.toFixed(digits);

/** A Markdown table (readable in a terminal, pasteable into bench/README.md). */
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};

export const machine = (): string =>
  `${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${process.platform}/${process.arch}`;

export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
