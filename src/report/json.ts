// The result document itself, for machines (`--format json`, `--result FILE`).

import type { ResultDocument } from '../result/types.js';
import type { Renderer } from './renderer.js';

export const renderJson = (result: ResultDocument): string => JSON.stringify(result, null, 2) + '\n';

export const jsonRenderer: Renderer = { render: renderJson };
