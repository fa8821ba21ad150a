import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronParserFires } from '../../../src/schedule/cron-parser-reference';
import { field, model, type Piece } from './cron-model';
import { firesAfter } from './helpers';

// cron-parser is not on the engine's path (see src/schedule/cron-parser-reference.ts). It is a
// second, independent implementation: where its semantics are ours, the two must agree; where
// they differ, these tables pin down how, so an upgrade that changes it is noticed.
const parserFires = (expression: string, timezone: string, from: string, n: number) => {
  const fires = cronParserFires(expression, timezone, new Date(from), n);
  return typeof fires === 'string' ? fires : fires.map((d) => d.toISOString().replace('.000Z', 'Z'));
};

describe('cron-parser as a reference', () => {
  it('agrees with the engine in UTC where both follow the same rules', () => {
    const lastDay: fc.Arbitrary<Piece> = fc.constant({ text: 'L', values: [], extra: { lastOffsets: [0] } });
    const weekdayExtras: fc.Arbitrary<Piece> = fc.oneof(
      fc.integer({ min: 0, max: 6 }).map((w) => ({ text: `${w}L`, values: [], extra: { lastOf: [w] } })),
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 })).map(([w, k]) => ({ text: `${w}#${k}`, values: [], extra: { nth: [[w, k] as [number, number]] } })),
    );
    const expressions = model({ minutes: field(0, 59, { starWeight: 2 }), hours: field(0, 23, { starWeight: 2 }), domExtras: lastDay, dowExtras: weekdayExtras })
      // cron-parser lets `*/2` in one day field widen the other; Vixie cron does not
      .filter((m) => !((m.dom.text.startsWith('*/') && m.dow.text !== '*') || (m.dow.text.startsWith('*/') && m.dom.text !== '*')));
    fc.assert(
      fc.property(expressions, fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }), (m, minute) => {
        const from = new Date(minute * 60_000).toISOString();
        const reference = parserFires(m.text, 'UTC', from, 8);
        fc.pre(typeof reference !== 'string'); // an expression cron-parser refuses (e.g. a 60-minute step)
        let ours: string[];
        try {
          ours = firesAfter(m.text, from, 8);
        } catch {
          return; // refused as never firing; cron-parser would search forever
        }
        expect(ours).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });

  it('skips a wall time inside a 30-minute forward jump, where edgecron moves it forward', () => {
    expect(parserFires('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', 1)).toEqual(['2026-10-04T15:15:00Z']);
    expect(firesAfter('15 2 * * *', '2026-10-03T00:00:00Z', 1, 'Australia/Lord_Howe')).toEqual(['2026-10-03T15:45:00Z']);
  });

  it('drops the repeated half hour of an all-hours schedule, where edgecron follows real time', () => {
    expect(parserFires('*/15 * * * *', 'Australia/Lord_Howe', '2026-04-04T14:40:00Z', 2)).toEqual(['2026-04-04T14:45:00Z', '2026-04-04T15:30:00Z']);
    expect(firesAfter('*/15 * * * *', '2026-04-04T14:40:00Z', 3, 'Australia/Lord_Howe')).toEqual(['2026-04-04T14:45:00Z', '2026-04-04T15:00:00Z', '2026-04-04T15:15:00Z']);
  });

  it('lets */2 in day-of-month widen day-of-week, where Vixie cron and edgecron require both', () => {
    expect(parserFires('0 0 */2 * 1', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z']);
    expect(firesAfter('0 0 */2 * 1', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T00:00:00Z', '2026-01-19T00:00:00Z']);
  });

  it('does not know pg_cron\'s $ for the last day of the month', () => {
    expect(parserFires('0 0 $ * *', 'UTC', '2026-01-01T00:00:00Z', 1)).toBe('Invalid characters, got value: $');
    expect(firesAfter('0 0 $ * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-31T00:00:00Z']);
  });
});
