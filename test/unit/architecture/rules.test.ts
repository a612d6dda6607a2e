// The dependency rules of docs/architecture.md, enforced from the source text: the layer table
// there is the single statement of who may import whom; this test reads it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allImports, ROOT, sourceFiles, type ImportEdge } from './imports.js';

interface Layer {
  readonly name: string;
  readonly paths: readonly string[];
  readonly mayImport: ReadonlySet<string>;
  readonly pure: boolean;
}

function readLayers(): Layer[] {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const begin = doc.indexOf('<!-- layers:begin');
  const end = doc.indexOf('<!-- layers:end -->');
  if (begin < 0 || end < 0) throw new Error('docs/architecture.md has no layers table');
  const rows = doc
    .slice(begin, end)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| layer') && !l.startsWith('|---'));
  return rows.map((row) => {
    const [name, paths, may, pure] = row.split('|').slice(1, -1).map((c) => c.trim());
    return {
      name: name!,
      paths: [...paths!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
      mayImport: new Set(may === '—' ? [] : may!.split(',').map((s) => s.trim())),
      pure: pure === 'yes',
    };
  });
}

const LAYERS = readLayers();

const layerOf = (path: string): Layer | null => {
  let best: Layer | null = null;
  let length = -1;
  for (const layer of LAYERS) {
    for (const p of layer.paths) {
      const hit = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (hit && p.length > length) {
        best = layer;
        length = p.length;
      }
    }
  }
  return best;
};

const IMPURE_MODULES = /^(node:(fs|fs\/promises|http|https|net|child_process|worker_threads)|undici|@actions\/|@octokit\/)/;

const where = (e: ImportEdge): string => `${e.from}:${e.line} → ${e.to}`;

describe('architecture: import rules (docs/architecture.md)', () => {
  const edges = allImports();

  it('reads a layer table that covers every source file', () => {
    expect(LAYERS.length).toBeGreaterThan(10);
    const uncovered = sourceFiles().filter((f) => layerOf(f) === null);
    expect(uncovered).toEqual([]);
  });

  it('every import between layers is allowed by the table', () => {
    const broken = edges
      .filter((e) => e.to.startsWith('src/'))
      .filter((e) => {
        const from = layerOf(e.from)!;
        const to = layerOf(e.to);
        if (!to) return true;
        return from !== to && !from.mayImport.has(to.name);
      })
      .map((e) => `${where(e)} (${layerOf(e.from)!.name} → ${layerOf(e.to)?.name ?? 'unknown'})`);
    expect(broken).toEqual([]);
  });

  it('pure layers do no I/O: no fs, http, undici, @actions or @octokit, not even types', () => {
    const broken = edges.filter((e) => layerOf(e.from)!.pure && IMPURE_MODULES.test(e.to)).map(where);
    expect(broken).toEqual([]);
  });

  it('has no import cycle anywhere (type-only imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) if (e.to.startsWith('src/')) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    // Tarjan's strongly connected components; any component of two or more files is a cycle.
    let index = 0;
    const indexOf = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      indexOf.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!indexOf.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
      if (low.get(v) === indexOf.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
      }
    };
    for (const f of sourceFiles()) if (!indexOf.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('entries stay thin and never import one another', () => {
    for (const entry of ['src/cli.ts', 'src/main.ts']) {
      const lines = readFileSync(join(ROOT, entry), 'utf8').split('\n').length;
      expect(lines, `${entry} has ${lines} lines`).toBeLessThan(200);
    }
    const crossing = edges.filter((e) => layerOf(e.from)?.name === 'entry' && layerOf(e.to)?.name === 'entry').map(where);
    expect(crossing).toEqual([]);
  });
});
