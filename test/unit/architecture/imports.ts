// Reads every import of src/ from the source text (static, type-only, re-exports and dynamic
// import()), resolved to repository paths. Shared by the import-rule test and docs checks.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const SRC = join(ROOT, 'src');

export interface ImportEdge {
  /** Importing file, relative to the repository root (`src/plan/build.ts`). */
  readonly from: string;
  /** A repository path for relative imports (`src/config/types.ts`), else the bare specifier (`node:fs`, `undici`). */
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

const walk = (dir: string, out: string[] = []): string[] => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
};

export const sourceFiles = (): string[] => walk(SRC).map((p) => relative(ROOT, p)).sort();

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]\s*\)/g;

const resolveSpecifier = (file: string, spec: string): string => {
  if (!spec.startsWith('.')) return spec;
  const abs = resolve(dirname(join(ROOT, file)), spec).replace(/\.js$/, '.ts');
  return relative(ROOT, abs);
};

const lineAt = (text: string, index: number): number => text.slice(0, index).split('\n').length;

export function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3]!;
    edges.push({ from: file, to: resolveSpecifier(file, spec), typeOnly: m[2] !== undefined, line: lineAt(text, m.index! + m[0].indexOf(m[1]!)) });
  }
  for (const m of text.matchAll(DYNAMIC)) {
    edges.push({ from: file, to: resolveSpecifier(file, m[1]!), typeOnly: false, line: lineAt(text, m.index!) });
  }
  return edges;
}

export const allImports = (): ImportEdge[] => sourceFiles().flatMap(importsOf);
