// Reads, from the source text of the platform adapters, every route they call: the `endpoint`
// label each request carries (`'GET /api/2.0/serving-endpoints/{name}'`), the labels that request
// helpers build from their arguments (`getJson('/runs/get')` with `endpoint: \`GET ${API}${path}\``,
// `call('POST', '/model-versions/create')` over `mlflowProtocolCaller(http, UC)`), and the OAuth
// discovery documents. Uses the TypeScript parser, so formatting does not matter; a label it
// cannot read is reported instead of skipped. Also lists requests that carry no label at all.

import ts from 'typescript';

export interface FoundRoute {
  /** `METHOD /path`, placeholders as written (`{name}`) or `{…}` for expressions. */
  readonly route: string;
  /** `file:line` of the request or the helper call. */
  readonly at: string;
}

export interface Extraction {
  readonly routes: readonly FoundRoute[];
  /** Requests (object literals with `method` and `path`) without an `endpoint` label: `file:line`. */
  readonly unlabelled: readonly string[];
  /** Labels that do not read as `METHOD /path`: `file:line: text`. */
  readonly unreadable: readonly string[];
}

const METHOD_ROUTE = /^(GET|POST|PUT|PATCH|DELETE|HEAD) \/\S*$/;

interface Helper {
  readonly params: readonly string[];
  readonly defaults: ReadonlyMap<string, ts.Expression>;
  /** The label, evaluated with the call's arguments bound to the parameters. */
  readonly label: (bind: ReadonlyMap<string, string>) => string | null;
}

/** Normalises a route for comparison: every `{…}` placeholder is the same. */
export const normaliseRoute = (route: string): string => route.replace(/\{[^}]*\}/g, '{}').replace(/\/+$/, '');

export function extractRoutes(files: readonly { readonly path: string; readonly text: string }[]): Extraction {
  const routes: FoundRoute[] = [];
  const unlabelled: string[] = [];
  const unreadable: string[] = [];

  for (const file of files) {
    const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const lineOf = (node: ts.Node): string => `${file.path}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;

    // String constants, by name, in source order (a name may be declared in several scopes).
    const consts: { name: string; value: string; pos: number }[] = [];
    const collect = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && (ts.isStringLiteral(node.initializer) || ts.isNoSubstitutionTemplateLiteral(node.initializer))) {
        consts.push({ name: node.name.text, value: node.initializer.text, pos: node.getStart(sf) });
      }
      ts.forEachChild(node, collect);
    };
    collect(sf);
    const constAt = (name: string, pos: number): string | undefined => {
      let found: string | undefined;
      for (const c of consts) if (c.name === name && c.pos <= pos) found = c.value;
      return found;
    };

    /** A string expression, with constants and bound parameters substituted; other parts become `{text}`. */
    const evaluate = (expr: ts.Expression, bind: ReadonlyMap<string, string>): string | null => {
      if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
      if (ts.isParenthesizedExpression(expr)) return evaluate(expr.expression, bind);
      if (ts.isIdentifier(expr)) return bind.get(expr.text) ?? constAt(expr.text, expr.getStart(sf)) ?? null;
      if (ts.isTemplateExpression(expr)) {
        let out = expr.head.text;
        for (const span of expr.templateSpans) out += (evaluate(span.expression, bind) ?? `{${span.expression.getText(sf)}}`) + span.literal.text;
        return out;
      }
      return null;
    };

    const endpointOf = (obj: ts.ObjectLiteralExpression): ts.Expression | null => {
      for (const p of obj.properties) {
        if (ts.isPropertyAssignment(p) && p.name.getText(sf) === 'endpoint') return p.initializer;
        if (ts.isShorthandPropertyAssignment(p) && p.name.text === 'endpoint') return p.name;
      }
      return null;
    };
    const hasProp = (obj: ts.ObjectLiteralExpression, name: string): boolean =>
      obj.properties.some((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && p.name.getText(sf) === name);
    const identifiersIn = (node: ts.Node): Set<string> => {
      const out = new Set<string>();
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) out.add(n.text);
        ts.forEachChild(n, visit);
      };
      visit(node);
      return out;
    };

    // Request helpers: a function assigned to a const whose request label uses its parameters; and
    // callers made by mlflowProtocolCaller(http, PREFIX) (label `${method} ${PREFIX}${path}`).
    const helpers = new Map<string, Helper>();
    const helperBodies = new Set<ts.Node>();
    const findHelpers = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        const init = node.initializer;
        if (ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'mlflowProtocolCaller' && init.arguments[1]) {
          const prefix = evaluate(init.arguments[1], new Map());
          helpers.set(node.name.text, {
            params: ['method', 'path'],
            defaults: new Map(),
            label: (bind) => (prefix !== null && bind.has('method') && bind.has('path') ? `${bind.get('method')} ${prefix}${bind.get('path')}` : null),
          });
        } else if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) {
          const params = init.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
          const defaults = new Map<string, ts.Expression>();
          for (const p of init.parameters) if (ts.isIdentifier(p.name) && p.initializer) defaults.set(p.name.text, p.initializer);
          let label: ts.Expression | null = null;
          const visit = (n: ts.Node): void => {
            if (ts.isObjectLiteralExpression(n) && hasProp(n, 'method')) label ??= endpointOf(n);
            ts.forEachChild(n, visit);
          };
          visit(init.body);
          const found: ts.Expression | null = label;
          if (found && [...identifiersIn(found)].some((id) => params.includes(id))) {
            helperBodies.add(init.body);
            helpers.set(node.name.text, {
              params,
              defaults,
              label: (bind) => {
                const full = new Map(bind);
                // A parameter left out takes its default, itself evaluated with the call's arguments.
                for (const [name, expr] of defaults) if (!full.has(name)) {
                  const v = evaluate(expr, full);
                  if (v !== null) full.set(name, v);
                }
                return evaluate(found, full);
              },
            });
          }
        }
      }
      ts.forEachChild(node, findHelpers);
    };
    findHelpers(sf);

    const record = (text: string | null, node: ts.Node): void => {
      if (text === null) return void unreadable.push(`${lineOf(node)}: ${node.getText(sf).slice(0, 120)}`);
      if (!METHOD_ROUTE.test(text)) return void unreadable.push(`${lineOf(node)}: ${text}`);
      routes.push({ route: text, at: lineOf(node) });
    };

    const walk = (node: ts.Node, insideHelper: boolean): void => {
      const inHelper = insideHelper || helperBodies.has(node);
      if (ts.isObjectLiteralExpression(node) && hasProp(node, 'method') && hasProp(node, 'path')) {
        const label = endpointOf(node);
        if (!label) unlabelled.push(lineOf(node));
        else if (!inHelper) record(evaluate(label, new Map()), label);
      }
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const helper = helpers.get(node.expression.text);
        if (helper) {
          const bind = new Map<string, string>();
          node.arguments.forEach((arg, i) => {
            const name = helper.params[i];
            const v = name ? evaluate(arg, new Map()) : null;
            if (name && v !== null) bind.set(name, v);
          });
          record(helper.label(bind), node);
        }
      }
      // OAuth discovery documents (auth.ts builds them from the host).
      if ((ts.isTemplateExpression(node) || ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && node.getText(sf).includes('/.well-known/')) {
        // A URL (`${base}/oidc/.well-known/…`), not a message that mentions one.
        const text = evaluate(node, new Map());
        const path = text && !/\s/.test(text) ? text.slice(text.indexOf('/')).replace(/^\/+/, '/') : null;
        if (path && !path.includes('{')) routes.push({ route: `GET ${path}`, at: lineOf(node) });
      }
      ts.forEachChild(node, (child) => walk(child, inHelper));
    };
    walk(sf, false);
  }
  return { routes, unlabelled, unreadable };
}
