// `mlops-gate bump`: the edit a promotion pull request makes to mlops.yml. A registry event names a
// registered model and a version; the models registered under that name in a FIRST environment of
// a chain (one without promote_from, that others promote from) get `candidate: { version: "V" }`.
// Versions that mlops-gate's own copy promotions create land in later environments and never match,
// so a promotion cannot trigger another pull request.
//
// The edit replaces only the text of the `candidate` value: comments, quoting and layout elsewhere
// stay byte for byte as they were, so the pull request's diff is one line.

import { isCollection, isMap, isPair, isScalar, parseDocument, type Node, type Pair } from 'yaml';
import { registeredModelName } from '../config/names.js';
import type { Config } from '../config/types.js';

export interface BumpMatch {
  readonly model: string;
  /** The first environment whose registered model has the name. */
  readonly environment: string;
  /** Other environments reading the same candidate selector, when versions there are numbered apart (copy promotions). */
  readonly alsoSelects: readonly string[];
}

/** Models whose registered name in a chain's first environment is `name`. */
export function modelsRegisteredAs(config: Config, name: string): BumpMatch[] {
  const sources = new Set([...config.environments.values()].map((e) => e.promoteFrom).filter((s): s is string => s !== null));
  const roots = [...config.environments.values()].filter((e) => e.promoteFrom === null && sources.has(e.name)).map((e) => e.name);
  const matches: BumpMatch[] = [];
  for (const [id, model] of config.models) {
    const environment = roots.find((env) => registeredModelName(config, id, env) === name);
    if (!environment) continue;
    // The selector is read in every source environment; with copy promotions their numbering differs.
    const alsoSelects =
      model.promotion === 'copy' ? [...sources].filter((s) => s !== environment && registeredModelName(config, id, s) !== name) : [];
    matches.push({ model: id, environment, alsoSelects });
  }
  return matches;
}

/**
 * Where a node's own text ends. A block collection's range runs on to the next key's indentation,
 * so its end is its last item's end (comments after it stay where they are).
 */
const contentEnd = (node: Node): number => {
  if (isCollection(node) && !node.flow && node.items.length > 0) {
    const last = node.items[node.items.length - 1];
    const inner = isPair(last) ? (last.value ?? last.key) : last;
    if (isScalar(inner) || isCollection(inner)) return contentEnd(inner);
  }
  return node.range![1];
};

export type BumpEdit = { readonly text: string; readonly changed: boolean } | { readonly error: string };

/** The config text with `models.<id>.candidate` set to `{ version: "V" }`, everything else untouched. */
export function setCandidateVersion(text: string, modelId: string, version: string): BumpEdit {
  if (!/^[1-9][0-9]*$/.test(version)) return { error: `version must be a positive integer (got "${version}")` };
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return { error: `the file does not parse as YAML: ${doc.errors[0]!.message}` };
  const models = doc.get('models', true);
  const model = isMap(models) ? models.get(modelId, true) : undefined;
  if (!isMap(model)) return { error: `models.${modelId} is not a mapping written out in the file` };
  const pair = model.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && p.key.value === 'candidate');
  const value = pair && (isScalar(pair.value) || isCollection(pair.value)) ? (pair.value as Node) : null;
  const keyRange = isScalar(pair?.key) ? pair.key.range : null;
  if (!pair || !keyRange || !value?.range) {
    return { error: `models.${modelId}.candidate is not written out in the file (an anchor or merge key?): set it by hand` };
  }
  const replacement = `{ version: "${version}" }`;
  const valueStart = value.range[0];
  const valueEnd = contentEnd(value);
  if (text.slice(valueStart, valueEnd).trim() === replacement) return { text, changed: false };
  // A block mapping starts on the next line: replace from just after `candidate:`.
  const colon = text.indexOf(':', keyRange[1]);
  const blockValue = isMap(value) && !value.flow;
  const start = blockValue ? colon + 1 : valueStart;
  const edited = `${text.slice(0, start)}${blockValue ? ' ' : ''}${replacement}${text.slice(valueEnd)}`;
  return { text: edited, changed: true };
}
