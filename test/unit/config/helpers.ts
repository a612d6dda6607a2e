// Shared helpers for the config tests: load from strings with an in-memory file system.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import type { LoadResult } from '../../../src/config/loader.js';
import { ConfigError } from '../../../src/errors.js';
import type { Diagnostic } from '../../../src/errors.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

export const NOW = new Date('2026-06-15T12:00:00Z');

export interface LoadOptions {
  readonly file?: string;
  /** Extra files by path (as the loader asks for them). */
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
}

export const load = (text: string, options: LoadOptions = {}): LoadResult =>
  loadConfig(
    { file: options.file ?? 'mlops.yml', text },
    {
      env: options.env ?? {},
      readFile: (path) => options.files?.[path] ?? null,
      now: options.now ?? NOW,
    },
  );

/** Load, expecting a ConfigError; returns its diagnostics. Anything else thrown fails the test. */
export const loadErrors = (text: string, options: LoadOptions = {}): readonly Diagnostic[] => {
  let thrown: unknown = null;
  try {
    load(text, options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ConfigError').toBeInstanceOf(ConfigError);
  return (thrown as ConfigError).diagnostics;
};

export const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** A small valid config; tests replace lines by number (1-based) so positions stay obvious. */
export const BASE: readonly string[] = [
  /*  1 */ 'version: 1',
  /*  2 */ 'environments:',
  /*  3 */ '  dev:',
  /*  4 */ '    registry: mlflow',
  /*  5 */ '    tracking_uri: http://localhost:5000',
  /*  6 */ '  prod:',
  /*  7 */ '    registry: mlflow',
  /*  8 */ '    tracking_uri: http://localhost:5000',
  /*  9 */ '    promote_from: dev',
  /* 10 */ 'models:',
  /* 11 */ '  churn:',
  /* 12 */ '    name: churn-${env}',
  /* 13 */ '    candidate: { alias: challenger }',
  /* 14 */ '    policies: [checks]',
  /* 15 */ 'policies:',
  /* 16 */ '  checks:',
  /* 17 */ '    gates:',
  /* 18 */ '      - type: metric_threshold',
  /* 19 */ '        metric: auc',
  /* 20 */ '        threshold: 0.8',
  /* 21 */ '        greater_is_better: true',
];

/** BASE with some lines replaced (a replacement may hold several lines, shifting what follows) and more appended. */
export const base = (replacements: Readonly<Record<number, string>> = {}, ...appended: string[]): string =>
  lines(...BASE.map((row, index) => replacements[index + 1] ?? row), ...appended);
