import { describe, expect, it } from 'vitest';
import { nextFire } from '../../../src/schedule';
import { firesAfter, iso, scheduleOf } from './helpers';

const at = (text: string) => new Date(text);
const next = (input: Parameters<typeof scheduleOf>[0], after: string, ctx?: Parameters<typeof nextFire>[2]) => {
  const t = nextFire(scheduleOf(input), at(after), ctx);
  return t === null ? null : iso(t);
};

describe('every: start to start, anchored', () => {
  it('fires at anchor + k × interval, so late calls do not drift', () => {
    const anchor = at('2026-01-01T00:00:07Z');
    expect(next('@every 5 minutes', '2026-01-01T00:12:00Z', { anchor })).toBe('2026-01-01T00:15:07Z');
    expect(next('@every 5 minutes', '2026-01-01T00:15:07Z', { anchor })).toBe('2026-01-01T00:20:07Z');
    expect(next('@every 5 minutes', '2026-01-01T00:15:06.999Z', { anchor })).toBe('2026-01-01T00:15:07Z');
  });

  it('counts the anchor itself as the first fire', () => {
    expect(next('@every 1 hour', '2026-01-01T00:00:00Z', { anchor: at('2026-01-01T06:00:00Z') })).toBe('2026-01-01T06:00:00Z');
  });

  it('uses the last start as the anchor when no anchor is given (pg_cron seconds)', () => {
    expect(next('30 seconds', '2026-01-01T00:00:10Z', { lastStart: at('2026-01-01T00:00:02Z') })).toBe('2026-01-01T00:00:32Z');
  });

  it('starts the series at the window start, or else at `after`', () => {
    expect(next({ schedule: '@every 10 minutes', start: '2026-01-01T00:03:00Z' }, '2026-01-01T00:20:00Z')).toBe('2026-01-01T00:23:00Z');
    expect(next('@every 10 minutes', '2026-01-01T00:20:00Z')).toBe('2026-01-01T00:30:00Z');
  });

  it('runs on the exact interval across a clock change: an interval is real time', () => {
    expect(firesAfter({ schedule: '@every 1 hour', timezone: 'America/New_York' }, '2026-03-08T05:30:00Z', 3, undefined, { anchor: at('2026-03-08T05:30:00Z') })).toEqual([
      '2026-03-08T06:30:00Z',
      '2026-03-08T07:30:00Z',
      '2026-03-08T08:30:00Z',
    ]);
  });
});

describe('after: end to start', () => {
  it('fires the interval after the last run ended', () => {
    expect(next('@after 10 minutes', '2026-01-01T00:07:00Z', { lastEnd: at('2026-01-01T00:07:00Z') })).toBe('2026-01-01T00:17:00Z');
  });

  it('fires at the anchor when it never ran', () => {
    expect(next('@after 10 minutes', '2026-01-01T00:00:00Z', { anchor: at('2026-01-01T00:00:05Z') })).toBe('2026-01-01T00:00:05Z');
  });

  it('returns an overdue fire as it is: the job is due now, it has no later slot', () => {
    expect(next('@after 10 minutes', '2026-01-01T05:00:00Z', { lastEnd: at('2026-01-01T00:00:00Z') })).toBe('2026-01-01T00:10:00Z');
  });
});

describe('on_start, dates, once', () => {
  it('never has a clock time for @reboot', () => {
    expect(next('@reboot', '2026-01-01T00:00:00Z')).toBeNull();
  });

  it('walks a dates list and ends after its last date', () => {
    const input = { dates: ['2026-03-01T10:00:00Z', '2026-01-01T10:00:00Z'] };
    expect(next(input, '2025-12-31T00:00:00Z')).toBe('2026-01-01T10:00:00Z');
    expect(next(input, '2026-01-01T10:00:00Z')).toBe('2026-03-01T10:00:00Z');
    expect(next(input, '2026-03-01T10:00:00Z')).toBeNull();
  });

  it('fires a one-shot once', () => {
    expect(next({ at: '2026-06-01T12:00:00Z' }, '2026-06-01T11:59:59Z')).toBe('2026-06-01T12:00:00Z');
    expect(next({ at: '2026-06-01T12:00:00Z' }, '2026-06-01T12:00:00Z')).toBeNull();
  });
});

describe('validity window, both ends inclusive', () => {
  it('holds cron fires back until the start and stops after the end', () => {
    const input = { schedule: '0 12 * * *', start: '2026-01-05T12:00:00Z', end: '2026-01-07T12:00:00Z' };
    expect(firesAfter(input, '2026-01-01T00:00:00Z', 5)).toEqual(['2026-01-05T12:00:00Z', '2026-01-06T12:00:00Z', '2026-01-07T12:00:00Z']);
  });

  it('applies to every kind', () => {
    const window = { start: '2026-01-01T01:00:00Z', end: '2026-01-01T02:00:00Z' };
    expect(firesAfter({ schedule: '@every 25 minutes', ...window }, '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T01:00:00Z',
      '2026-01-01T01:25:00Z',
      '2026-01-01T01:50:00Z',
    ]);
    expect(next({ schedule: '@after 1 hour', ...window }, '2026-01-01T01:30:00Z', { lastEnd: at('2026-01-01T01:30:00Z') })).toBeNull();
    expect(next({ schedule: '@after 1 minute', ...window }, '2026-01-01T00:00:00Z', { lastEnd: at('2026-01-01T00:00:00Z') })).toBe('2026-01-01T01:00:00Z');
    expect(firesAfter({ dates: ['2026-01-01T00:30:00Z', '2026-01-01T01:30:00Z', '2026-01-01T02:30:00Z'], ...window }, '2026-01-01T00:00:00Z', 5)).toEqual(['2026-01-01T01:30:00Z']);
  });

  it('reads a window bound without an offset in the schedule time zone', () => {
    expect(scheduleOf({ schedule: '@daily', timezone: 'Asia/Kolkata', start: '2026-01-01 00:00' }).start).toBe('2025-12-31T18:30:00Z');
  });
});
