// edgecron_compat.schedule_problem (compat/base.sql) against the master's parser (src/schedule):
// the packs refuse a schedule at call time only when the master would refuse it too, and say
// what is wrong in the same words. What only the master can tell (a date that never comes)
// it leaves to the master.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/schedule';
import { sql } from '../support/database';

/**
 * For each text: SQL's message (null: accepted) and the master's (null: accepted, or never
 * fires). Where SQL's reading is not cron (a macro, an interval) only the verdict is compared:
 * there SQL may word it better than the master.
 */
async function judge(texts: string[]): Promise<Array<{ text: string; sql: string | null; master: string | null }>> {
  const rows = await sql<{ s: string; m: string | null; cron: boolean }>(
    `SELECT s, p ->> 'message' AS m, coalesce(p ->> 'kind' NOT IN ('empty', 'macro', 'interval', 'syntax'), true) AS cron
       FROM unnest($1::text[]) AS s, edgecron_compat.schedule_problem(s) AS p`,
    [texts],
  );
  return rows.map(({ s, m, cron }) => {
    const parsed = parseSchedule({ schedule: s });
    const master = parsed.ok || parsed.error.code === 'never_fires' ? null : parsed.error.message;
    return { text: s, sql: cron || m === null || master === null ? m : master, master };
  });
}

describe('the packs’ schedule check', () => {
  it('accepts what the master accepts and refuses, in its words, the common mistakes', async () => {
    const texts = [
      '5 4 * * *', '*/5 * * * *', '0 12 $ * *', '1/30 * * * * *', '0 9 * * MON-FRI', '0 0 * * 7', '0 0 L * *', '0 0 L-3 * *',
      '0 0 LW * *', '0 0 15W * *', '0 0 * * 5L', '0 0 * * FRIL', '0 0 * * MON#2', '* * ? * *', '0 0 1 JAN,FEB *', '@daily',
      '@Reboot', '@every 90 seconds', '@after 5 minutes', '5 seconds', '1 hour 30 minutes', '00:00:30', '0 0 31 2 *',
      '61 * * * *', '* 24 * * *', '0 0 0 * *', '0 0 * 13 *', '* * * * 8', '*/0 * * * *', '*/61 * * * *', '0 5-1 * * *',
      '0 0 * * FRI-MON', '1-2-3 * * * *', '1//2 * * * *', '*/x * * * *', '? * * * *', '* * ?/2 * *', '0 0 1 FOO *',
      '0 0 L-31 * *', '0 0 40W * *', '0 0 * * L', '0 0 * * 1#6', '0 0 * * 1#', '0 0 * * XYZ#2', '0,,5 * * * *',
      '61,,5 * * * *', 'x * * * *', '1 2 3', '* * * * * * *', 'not a cron', 'bogus', '@weekdays', '@every', '5',
      'foo bar baz qux quux', 'every 5 minutes', '@daily now', '5 min * * *', '0 0 * * frı',
    ];
    const judged = await judge(texts);
    for (const { text, sql: said, master } of judged) {
      expect({ text, said }).toEqual({ text, said: master });
    }
    expect(judged.filter((j) => j.sql !== null).length).toBeGreaterThan(25);
  });

  it('never refuses a cron line the master accepts, and agrees with it on every refusal', async () => {
    // Mostly well-formed fields, each with a fair chance of a mistake in it.
    const noise = fc.constantFrom('61', '0', '32', '13', '8', 'FOO', 'L', 'W', '$', '?', 'x', ',', '5-1', '*/0', '*/61', '1#6', 'L-31', '1-2-3', '1//2');
    const wellFormed = (low: number, high: number) => {
      const v = fc.integer({ min: low, max: high }).map(String);
      return fc.oneof(
        { weight: 3, arbitrary: v },
        { weight: 1, arbitrary: fc.constant('*') },
        { weight: 1, arbitrary: fc.tuple(v, v).map(([a, b]) => (Number(a) <= Number(b) ? `${a}-${b}` : `${b}-${a}`)) },
        { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constant('*'), v), fc.integer({ min: 1, max: high - low + 1 })).map(([a, n]) => `${a}/${n}`) },
      );
    };
    const field = (low: number, high: number) =>
      fc
        .array(fc.oneof({ weight: 15, arbitrary: wellFormed(low, high) }, { weight: 1, arbitrary: noise }), { minLength: 1, maxLength: 3 })
        .map((items) => items.join(','));
    const special = fc.constantFrom('L', 'LW', '15W', 'L-2', '$', '?');
    const weekday = fc.constantFrom('MON', 'fri', 'SUN-SAT', '5L', 'FRIL', 'MON#2', '?', 'TUE-THU', 'XYZ');
    const month = fc.constantFrom('JAN', 'jan-mar', 'DEC', 'FOO,1');
    const five = fc
      .tuple(
        field(0, 59),
        field(0, 23),
        fc.oneof({ weight: 4, arbitrary: field(1, 31) }, { weight: 1, arbitrary: special }),
        fc.oneof({ weight: 4, arbitrary: field(1, 12) }, { weight: 1, arbitrary: month }),
        fc.oneof({ weight: 4, arbitrary: field(0, 7) }, { weight: 1, arbitrary: weekday }),
      )
      .map((f) => f.join(' '));
    const line = fc.oneof(
      { weight: 5, arbitrary: five },
      { weight: 5, arbitrary: fc.tuple(field(0, 59), five).map(([second, rest]) => `${second} ${rest}`) },
      { weight: 1, arbitrary: fc.tuple(field(0, 59), five).map(([second, rest]) => `${second} ${rest} 2030`) },
    );
    const texts = fc.sample(line, { numRuns: 3000, seed: 20261201 });
    const judged = await judge(texts);
    const disagreements = judged.filter((j) => j.sql !== j.master);
    expect(disagreements.slice(0, 5)).toEqual([]);
    // Both verdicts are well represented in the sample.
    expect(judged.filter((j) => j.master === null).length).toBeGreaterThan(500);
    expect(judged.filter((j) => j.master !== null).length).toBeGreaterThan(500);
  });
});
