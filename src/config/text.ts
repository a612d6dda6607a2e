// Checks on the raw text of a config or policy file, before the YAML parser sees it: size, bytes
// that were not UTF-8, and control characters YAML does not allow. Pure and linear in the text.
//
// Files are read as UTF-8 at the edge; bytes that are not UTF-8 arrive here as U+FFFD (the
// replacement character), which is how their line and column are found.

import type { Diagnostic } from '../errors.js';
import { formatBytes, formatCount, LIMITS } from './limits.js';
import type { SourcePosition } from './types.js';

const REPLACEMENT = '\uFFFD';
/** C0 controls other than tab, line feed and carriage return, and DEL: not printable YAML. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The UTF-8 size of `text` in bytes, counting no further than `stopAfter`. */
export const utf8Length = (text: string, stopAfter = Infinity): number => {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stopAfter; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
};

/** Line and column (1-based, in characters) of offset `index`. */
export const positionAt = (file: string, text: string, index: number): SourcePosition => {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file, line, column: index - lineStart + 1 };
};

const describeControl = (char: string): string => {
  const code = char.charCodeAt(0);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const names: Record<number, string> = { 0: 'NUL', 0x1b: 'ESC', 0x7f: 'DEL', 0x0b: 'vertical tab', 0x0c: 'form feed', 0x08: 'backspace' };
  return `U+${hex}${names[code] ? ` (${names[code]})` : ''}`;
};

/** UTF-16 text read as UTF-8: a replaced byte-order mark, then NUL between ASCII letters. */
const looksLikeUtf16 = (text: string): boolean => {
  const head = text.slice(0, 64);
  const nuls = head.split('\u0000').length - 1;
  return nuls >= Math.min(8, head.length / 4) && (head.startsWith(REPLACEMENT) || nuls > 0);
};

/**
 * Problems with the text itself; when there are any, the file is not parsed. `limit` is the size
 * budget in bytes (LIMITS.fileBytes unless a caller needs another).
 */
export const checkText = (file: string, text: string, limit: number = LIMITS.fileBytes): Diagnostic[] => {
  // Every character is at least one byte, so a long string is over the limit without counting.
  const bytes = text.length > limit ? text.length : utf8Length(text, limit);
  if (bytes > limit) {
    return [
      {
        severity: 'error',
        code: 'file-too-large',
        message: `the file is ${text.length > limit ? 'more than ' : ''}${formatBytes(bytes)}; a config or policy file may be at most ${formatBytes(limit)}`,
        path: '',
        position: { file, line: 1, column: 1 },
        hint: 'is this the right file? a config for 500 models is about 60 KiB',
      },
    ];
  }
  if (looksLikeUtf16(text)) {
    return [
      {
        severity: 'error',
        code: 'encoding',
        message: 'the file is not UTF-8 text: it looks like UTF-16',
        path: '',
        position: { file, line: 1, column: 1 },
        hint: 'save it as UTF-8 (without a byte-order mark, or with the UTF-8 one)',
      },
    ];
  }
  const diagnostics: Diagnostic[] = [];
  const replaced = text.indexOf(REPLACEMENT);
  if (replaced !== -1) {
    const count = text.split(REPLACEMENT).length - 1;
    diagnostics.push({
      severity: 'error',
      code: 'encoding',
      message:
        `bytes that are not valid UTF-8 (read as U+FFFD, the replacement character)` +
        (count > 1 ? `; ${formatCount(count - 1)} more further on` : ''),
      path: '',
      position: positionAt(file, text, replaced),
      hint: 'save the file as UTF-8; a U+FFFD character typed on purpose is not allowed either',
    });
  }
  const control = CONTROL.exec(text);
  if (control) {
    diagnostics.push({
      severity: 'error',
      code: 'encoding',
      message: `control character ${describeControl(control[0])} is not allowed in a YAML file`,
      path: '',
      position: positionAt(file, text, control.index),
      hint: 'remove it; inside double quotes write an escape such as "\\t" instead',
    });
  }
  return diagnostics;
};
