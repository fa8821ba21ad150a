import { describe, expect, it } from 'vitest';
import { MAX_MISFIRE_CAP, MISFIRE_COUNT_LIMIT, planMisfire, type MisfireInput } from '../../../src/schedule';
import { iso, scheduleOf } from './helpers';

const at = (text: string) => new Date(text);

type Input = Omit<MisfireInput, 'schedule'> & { schedule: Parameters<typeof scheduleOf>[0] };

function plan(input: Input) {
  const r = planMisfire({ ...input, schedule: scheduleOf(input.schedule) });
  if (!r.ok) throw new Error(r.error.message);
  const p = r.value;
  return { ...p, run: p.run.map(iso), missed: p.missed.map(iso), next: p.next && iso(p.next) };
}

const refusal = (input: Input) => {
  const r = planMisfire({ ...input, schedule: scheduleOf(input.schedule) });
  return r.ok ? null : r.error;
};

const hourlyDown = { schedule: '0 * * * *', lastSlot: at('2026-01-01T01:00:00Z'), now: at('2026-01-01T05:30:00Z') };

describe('planMisfire', () => {
  it('run_once (the default) runs the latest missed slot late, once, and records the others', () => {
    expect(plan(hourlyDown)).toEqual({
      run: ['2026-01-01T05:00:00Z'],
      missed: ['2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z', '2026-01-01T04:00:00Z'],
      missedCount: 3,
      missedCountExact: true,
      next: '2026-01-01T06:00:00Z',
      warnings: [],
    });
  });

  it('skip runs nothing and records every missed slot', () => {
    expect(plan({ ...hourlyDown, policy: 'skip' })).toMatchObject({
      run: [],
      missed: ['2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z', '2026-01-01T04:00:00Z', '2026-01-01T05:00:00Z'],
      missedCount: 4,
      next: '2026-01-01T06:00:00Z',
    });
  });

  it('run_all runs every missed slot oldest first', () => {
    expect(plan({ ...hourlyDown, policy: 'run_all' })).toMatchObject({
      run: ['2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z', '2026-01-01T04:00:00Z', '2026-01-01T05:00:00Z'],
      missed: [],
      missedCount: 0,
    });
  });

  it('run_all runs only the cap most recent slots and records the older ones as missed', () => {
    expect(plan({ ...hourlyDown, policy: 'run_all', cap: 2 })).toMatchObject({
      run: ['2026-01-01T04:00:00Z', '2026-01-01T05:00:00Z'],
      missed: ['2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z'],
      missedCount: 2,
    });
  });

  it('records at most cap missed slots, the most recent, and counts them all', () => {
    expect(plan({ ...hourlyDown, lastSlot: at('2025-12-31T19:00:00Z'), policy: 'skip', cap: 3 })).toMatchObject({
      missed: ['2026-01-01T03:00:00Z', '2026-01-01T04:00:00Z', '2026-01-01T05:00:00Z'],
      missedCount: 10,
      missedCountExact: true,
    });
  });

  it('turns a day of downtime of a one-second job into 100 rows and a count, not 86,400 rows', () => {
    for (const schedule of ['1 second', '* * * * * *']) {
      const p = plan({
        schedule,
        lastSlot: at('2026-01-01T00:00:00Z'),
        now: at('2026-01-02T00:00:00Z'),
        ctx: { anchor: at('2026-01-01T00:00:00Z') },
      });
      expect(p.run).toEqual(['2026-01-02T00:00:00Z']);
      expect(p.missed).toHaveLength(100);
      expect(p.missed[99]).toBe('2026-01-01T23:59:59Z');
      expect(p.missedCount).toBe(86_399);
      expect(p.next).toBe('2026-01-02T00:00:01Z');
    }
  });

  it('counts up to a limit and says when the count is only a lower bound', () => {
    const p = plan({ schedule: '* * * * * *', lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-31T00:00:00Z'), policy: 'skip' });
    expect(p).toMatchObject({ missedCount: MISFIRE_COUNT_LIMIT, missedCountExact: false });
    expect(p.missed.at(-1)).toBe('2026-01-31T00:00:00Z');
  });

  it('realigns an anchored interval after running once', () => {
    expect(
      plan({ schedule: '@every 15 minutes', lastSlot: at('2026-01-01T00:15:00Z'), now: at('2026-01-01T01:07:00Z'), ctx: { anchor: at('2026-01-01T00:00:00Z') } }),
    ).toMatchObject({ run: ['2026-01-01T01:00:00Z'], missed: ['2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z'], missedCount: 2, next: '2026-01-01T01:15:00Z' });
  });

  it('counts both occurrences of a repeated hour for an hourly job in New York', () => {
    expect(
      plan({ schedule: { schedule: '0 * * * *', timezone: 'America/New_York' }, lastSlot: at('2026-11-01T04:00:00Z'), now: at('2026-11-01T08:30:00Z'), policy: 'skip' }),
    ).toMatchObject({ missed: ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z'], missedCount: 4 });
  });

  it('misses nothing when no slot passed, or when there is no last slot', () => {
    expect(plan({ ...hourlyDown, lastSlot: at('2026-01-01T05:00:00Z') })).toMatchObject({ run: [], missed: [], missedCount: 0, next: '2026-01-01T06:00:00Z' });
    expect(plan({ ...hourlyDown, lastSlot: null })).toMatchObject({ run: [], missed: [], missedCount: 0, next: '2026-01-01T06:00:00Z' });
  });

  it('runs an overdue end-to-start job once, its next slot coming from the run end; skipping it waits one interval from now', () => {
    const overdue = { schedule: '@after 10 minutes', lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-01T05:00:00Z'), ctx: { lastEnd: at('2026-01-01T00:00:00Z') } };
    expect(plan(overdue)).toMatchObject({ run: ['2026-01-01T00:10:00Z'], missed: [], missedCount: 0, next: null });
    expect(plan({ ...overdue, policy: 'skip' })).toMatchObject({ run: [], missed: ['2026-01-01T00:10:00Z'], missedCount: 1, next: '2026-01-01T05:10:00Z' });
  });

  it('runs or skips a one-shot whose time passed during downtime, and has nothing after it', () => {
    const once = { schedule: { at: '2026-01-01T03:00:00Z' }, lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-01T05:00:00Z') };
    expect(plan(once)).toMatchObject({ run: ['2026-01-01T03:00:00Z'], missed: [], next: null });
    expect(plan({ ...once, policy: 'skip' })).toMatchObject({ run: [], missed: ['2026-01-01T03:00:00Z'], missedCount: 1, next: null });
  });

  it('keeps next on the grid of the slots it planned when an interval has no anchor', () => {
    // Without ctx the series is anchored at the last slot, for the window and for next alike.
    expect(plan({ schedule: '@every 10 minutes', lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-01T01:05:00Z') })).toMatchObject({
      run: ['2026-01-01T01:00:00Z'],
      missed: ['2026-01-01T00:10:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:40:00Z', '2026-01-01T00:50:00Z'],
      next: '2026-01-01T01:10:00Z',
    });
    expect(plan({ schedule: '@every 10 minutes', lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-01T01:05:00Z'), policy: 'skip' }).next).toBe(
      '2026-01-01T01:10:00Z',
    );
  });

  it('works with a cap above the bound as the bound, and says so when it limited the plan', () => {
    const secondly = { schedule: '1 second', lastSlot: at('2026-01-01T00:00:00Z'), now: at('2026-01-01T06:00:00Z'), ctx: { anchor: at('2026-01-01T00:00:00Z') } };
    const note = `misfire_cap 50000 is more than ${MAX_MISFIRE_CAP}, the most slots one catch-up runs or records: ${MAX_MISFIRE_CAP} were used`;
    const skipped = plan({ ...secondly, policy: 'skip', cap: 50_000 });
    expect(skipped).toMatchObject({ missedCount: 21_600, warnings: [note] });
    expect(skipped.missed).toHaveLength(MAX_MISFIRE_CAP);
    const all = plan({ ...secondly, now: at('2026-01-01T04:10:00Z'), policy: 'run_all', cap: 50_000 });
    expect(all).toMatchObject({ missedCount: 5_000, warnings: [note] });
    expect([all.run.length, all.missed.length]).toEqual([MAX_MISFIRE_CAP, 5_000]);
    // 4 slots: the bound changed nothing, so there is nothing to say
    expect(plan({ ...hourlyDown, policy: 'run_all', cap: 50_000 })).toMatchObject({ missedCount: 0, warnings: [] });
  });

  it.each([
    [Number.NaN, 'misfire_cap: NaN is not a whole number ≥ 1'],
    [0, 'misfire_cap: 0 is not a whole number ≥ 1'],
    [-3, 'misfire_cap: -3 is not a whole number ≥ 1'],
    [2.5, 'misfire_cap: 2.5 is not a whole number ≥ 1'],
    [Number.POSITIVE_INFINITY, 'misfire_cap: Infinity is not a whole number ≥ 1'],
  ])('refuses cap %s with an error value naming it', (cap, message) => {
    expect(refusal({ ...hourlyDown, cap })).toEqual({ code: 'invalid_schedule', field: 'misfire_cap', message });
  });

  it('refuses an unknown policy with an error value, never a TypeError', () => {
    expect(refusal({ ...hourlyDown, policy: 'catch_up' as 'skip' })).toEqual({
      code: 'invalid_schedule',
      field: 'misfire',
      message: 'misfire: "catch_up" is not a policy; use run_once (the default), skip or run_all',
    });
  });
});
