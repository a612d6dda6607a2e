// Route table: patterns of literal segments, `:param` segments and a final `*rest`. When several
// patterns match, the most specific wins (literal beats param beats rest, segment by segment).

import type { RouteHandler, RouteTable } from '../types.js';

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string };

export interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly Segment[];
  readonly handler: RouteHandler;
}

export type MatchResult =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed' }
  | { readonly kind: 'not-found' };

const splitPath = (path: string): string[] => path.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1));

const parsePattern = (pattern: string): Segment[] =>
  splitPath(pattern).map((s, i, all): Segment => {
    if (s.startsWith(':')) return { kind: 'param', name: s.slice(1) };
    if (s.startsWith('*')) {
      if (i !== all.length - 1) throw new Error(`'*rest' must be the last segment of route pattern '${pattern}'`);
      return { kind: 'rest', name: s.slice(1) || 'rest' };
    }
    return { kind: 'literal', value: s };
  });

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const weight = (s: Segment): number => (s.kind === 'literal' ? 2 : s.kind === 'param' ? 1 : 0);

const moreSpecific = (a: Route, b: Route): boolean => {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const wa = a.segments[i] ? weight(a.segments[i]!) : -1;
    const wb = b.segments[i] ? weight(b.segments[i]!) : -1;
    if (wa !== wb) return wa > wb;
  }
  return false;
};

export class Router implements RouteTable {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): void {
    const m = method.toUpperCase();
    if (this.routes.some((r) => r.method === m && r.pattern === pattern)) {
      throw new Error(`Route registered twice: ${m} ${pattern}`);
    }
    this.routes.push({ method: m, pattern, segments: parsePattern(pattern), handler });
  }

  list(): ReadonlyArray<{ method: string; pattern: string }> {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }

  match(method: string, path: string): MatchResult {
    const parts = path.split('/').slice(1);
    let best: { route: Route; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      if (!best || moreSpecific(route, best.route)) best = { route, params };
    }
    if (best) return { kind: 'found', ...best };
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

const matchSegments = (segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'rest') {
      const rest = parts.slice(i);
      if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return undefined;
      params[seg.name] = rest.map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (decode(part) !== seg.value) return undefined;
    } else {
      if (part === '') return undefined;
      params[seg.name] = decode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
};
