// Every output format, one row each. `--format` choices, the usage text and the action derive
// from this table; a new format is its file under src/report/ and one row here.

import type { ResultDocument } from '../result/types.js';
import { jsonRenderer } from './json.js';
import { junitRenderer } from './junit.js';
import { markdownRenderer } from './markdown.js';
import type { Renderer, RenderOptions } from './renderer.js';
import { sarifRenderer } from './sarif.js';
import { textRenderer } from './text.js';

export const RENDERERS = {
  text: textRenderer,
  markdown: markdownRenderer,
  json: jsonRenderer,
  sarif: sarifRenderer,
  junit: junitRenderer,
} as const satisfies Readonly<Record<string, Renderer>>;

export type OutputFormat = keyof typeof RENDERERS;

export const OUTPUT_FORMATS = Object.keys(RENDERERS) as OutputFormat[];

export const renderResult = (result: ResultDocument, format: OutputFormat, options: RenderOptions = {}): string => RENDERERS[format].render(result, options);
