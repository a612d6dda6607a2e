// Quartz cron syntax, as Databricks monitor schedules take it.

import { describe, expect, test } from 'vitest';
import { checkQuartzCron } from '../../../src/config/cron.js';

describe('checkQuartzCron', () => {
  test.each([
    '0 0 2 * * ?',
    '0 0 12 ? * MON-FRI',
    '0 15 10 ? * 6L',
    '0 15 10 ? * 6#3',
    '0 0/5 14,18 * * ?',
    '0 0 0 L * ?',
    '0 0 0 L-3 * ?',
    '0 0 0 15W * ?',
    '0 0 0 LW * ?',
    '0 0 0 1 JAN,jul ?',
    '0 0 0 ? * sun',
    '0 0 22-2 * * ?',
    '*/10 * * * * ?',
    '0 0 0 1 1 ? 2030',
    '0 0 0 1 1 ? 2026-2030',
    '  0  0  2 * * ?  ',
  ])('accepts %s', (expression) => {
    expect(checkQuartzCron(expression)).toEqual({ ok: true });
  });

  test.each<[string, number, RegExp]>([
    ['0 0 2 * *', 0, /has 6 or 7 fields, got 5; this looks like a 5-field Unix cron/],
    ['0 0 2 * * ? 2030 x', 0, /got 8/],
    ['0 0 25 * * ?', 4, /^hours field: 25 is outside 0-23$/],
    ['60 0 2 * * ?', 0, /^seconds field: 60 is outside 0-59$/],
    ['0 0 2 * * *', 10, /one of day-of-month and day-of-week must be "\?"/],
    ['0 0 2 ? * ?', 10, /not both/],
    ['0 0 2 * FOO ?', 8, /^month field: "FOO" is not a number or a name \(JAN-DEC\)$/],
    ['0 0 2 ? * MON-XYZ', 14, /^day-of-week field: "XYZ" is not a number/],
    ['0 0/0 2 * * ?', 4, /step "\/0" must be a positive number/],
    ['0 0/99 2 * * ?', 4, /step 99 is larger than the field's range 0-59/],
    ['0 0 ? * * *', 4, /"\?" is only allowed in day-of-month or day-of-week/],
    ['0 0 2 1,L * ?', 8, /"L" cannot be combined|cannot be combined/],
    ['0 0 2 ? * 1#6', 10, /occurrence 6; use 1-5/],
    ['0 0 2 * * ? 1969', 12, /^year field: 1969 is outside 1970-2099$/],
    ['0 0 2 *% * ?', 7, /unexpected character "%"/],
    ['0 0 2 1,,2 * ?', 8, /empty list item/],
  ])('refuses %s at offset %d', (expression, index, message) => {
    const result = checkQuartzCron(expression);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.index).toBe(index);
  });
});
