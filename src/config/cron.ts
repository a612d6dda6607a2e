// Quartz cron expressions, as Databricks monitor schedules take them: 6 or 7 fields,
// "sec min hour day-of-month month day-of-week [year]", e.g. "0 0 2 * * ?". Checked here so that
// `validate` refuses what the monitors API would refuse, saying which field is wrong.

export type CronResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly index: number; readonly hint?: string };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Characters allowed beyond digits and "* , - /". */
  readonly special: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59, special: '' },
  { name: 'minutes', min: 0, max: 59, special: '' },
  { name: 'hours', min: 0, max: 23, special: '' },
  { name: 'day-of-month', min: 1, max: 31, special: '?LW' },
  { name: 'month', min: 1, max: 12, names: MONTHS, special: '' },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, special: '?L#' },
  { name: 'year', min: 1970, max: 2099, special: '' },
];

const EXAMPLE = 'e.g. "0 0 2 * * ?" (every day at 02:00): sec min hour day-of-month month day-of-week [year]';

class CronProblem extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** One value of a field: a number in range, or (month, day-of-week) a three-letter name. */
const value = (field: FieldSpec, text: string, at: number): number => {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d{1,4}$/.test(text)) {
    const names = field.names ? ` or a name (${field.names[0]}-${field.names[field.names.length - 1]})` : '';
    throw new CronProblem(`${field.name} field: "${text}" is not a number${names}`, at);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) throw new CronProblem(`${field.name} field: ${n} is outside ${field.min}-${field.max}`, at);
  return n;
};

const checkPart = (field: FieldSpec, part: string, at: number): void => {
  if (part === '') throw new CronProblem(`${field.name} field: empty list item`, at);
  if (part === '*') return;
  // Forms with letters that only stand alone.
  if (field.name === 'day-of-month') {
    if (part === 'L' || part === 'LW') return;
    const last = /^L-(\d{1,2})$/.exec(part);
    if (last) {
      if (Number(last[1]) > 30) throw new CronProblem(`day-of-month field: offset "${part}" must be at most L-30`, at);
      return;
    }
    const weekday = /^(\d{1,2})W$/i.exec(part);
    if (weekday) {
      value(field, weekday[1] ?? '', at);
      return;
    }
  }
  if (field.name === 'day-of-week') {
    if (part.toUpperCase() === 'L') return;
    const lastOf = /^([A-Za-z]{3}|\d)L$/.exec(part);
    if (lastOf) {
      value(field, lastOf[1] ?? '', at);
      return;
    }
    const nth = /^([A-Za-z]{3}|\d)#(\d)$/.exec(part);
    if (nth) {
      value(field, nth[1] ?? '', at);
      const k = Number(nth[2]);
      if (k < 1 || k > 5) throw new CronProblem(`day-of-week field: "${part}" asks for occurrence ${k}; use 1-5`, at);
      return;
    }
  }
  const slash = part.indexOf('/');
  const base = slash >= 0 ? part.slice(0, slash) : part;
  if (slash >= 0) {
    const step = part.slice(slash + 1);
    if (!/^\d{1,4}$/.test(step) || Number(step) < 1) throw new CronProblem(`${field.name} field: step "/${step}" must be a positive number`, at + slash + 1);
    const span = field.max - field.min + 1;
    if (Number(step) > span) throw new CronProblem(`${field.name} field: step ${step} is larger than the field's range ${field.min}-${field.max}`, at + slash + 1);
  }
  if (base === '*' || (slash >= 0 && base === '')) return;
  const dash = base.indexOf('-', 1);
  if (dash >= 0) {
    value(field, base.slice(0, dash), at);
    value(field, base.slice(dash + 1), at + dash + 1);
    return;
  }
  if (/[?LW#]/i.test(base) && !/^[A-Za-z]{3}$/.test(base)) {
    throw new CronProblem(`${field.name} field: "${part}" cannot be combined with other values`, at, '"?", "L", "W" and "#" stand alone in their field');
  }
  value(field, base, at);
};

const checkField = (field: FieldSpec, text: string, at: number): void => {
  if (text === '?') {
    if (!field.special.includes('?')) throw new CronProblem(`${field.name} field: "?" is only allowed in day-of-month or day-of-week`, at);
    return;
  }
  const invalid = new RegExp(`[^0-9A-Za-z*,/\\-${field.special.replace(/[?#]/g, (c) => `\\${c}`)}]`).exec(text);
  if (invalid) throw new CronProblem(`${field.name} field: unexpected character "${invalid[0]}"`, at + invalid.index);
  let offset = 0;
  const parts = text.split(',');
  for (const part of parts) {
    // Quartz takes L, W and # only as the whole field ("L and LW with other days ... not implemented").
    if (parts.length > 1 && field.special.length > 0 && /[LW#]/.test(part.toUpperCase().replace(/[A-Z]{3}/g, ''))) {
      throw new CronProblem(`${field.name} field: "${part}" cannot be combined with other values`, at + offset, '"?", "L", "W" and "#" stand alone in their field');
    }
    checkPart(field, part, at + offset);
    offset += part.length + 1;
  }
};

/** Check a Quartz cron expression; on failure, `index` is the offset of the offending part. */
export const checkQuartzCron = (expression: string): CronResult => {
  const fields: { text: string; at: number }[] = [];
  for (const m of expression.matchAll(/\S+/g)) fields.push({ text: m[0], at: m.index });
  if (fields.length < 6 || fields.length > 7) {
    const unix = fields.length === 5 ? '; this looks like a 5-field Unix cron: Quartz adds seconds first and "?" for one of the day fields' : '';
    return { ok: false, message: `a Quartz cron expression has 6 or 7 fields, got ${fields.length}${unix}`, index: 0, hint: EXAMPLE };
  }
  try {
    fields.forEach((f, i) => checkField(FIELDS[i] as FieldSpec, f.text, f.at));
    const dom = fields[3] as { text: string; at: number };
    const dow = fields[5] as { text: string; at: number };
    if (dom.text === '?' && dow.text === '?') {
      throw new CronProblem('"?" may be used in day-of-month or day-of-week, not both', dow.at, EXAMPLE);
    }
    if (dom.text !== '?' && dow.text !== '?') {
      throw new CronProblem('one of day-of-month and day-of-week must be "?" (Quartz cannot combine them)', dow.at, 'e.g. "0 0 2 * * ?" or "0 0 2 ? * MON-FRI"');
    }
  } catch (e) {
    if (e instanceof CronProblem) return { ok: false, message: e.message, index: e.index, ...(e.hint ? { hint: e.hint } : {}) };
    throw e;
  }
  return { ok: true };
};
