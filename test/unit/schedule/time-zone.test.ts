import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, isValidTimeZone } from '../../../src/schedule';
import { offsetSpanAt, resolveWall } from '../../../src/schedule/time-zone';

const wall = (text: string) => Date.parse(`${text}Z`);

describe('time zones', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'US/Eastern', 'Etc/GMT+5'])(
    'accepts %s',
    (name) => expect(isValidTimeZone(name)).toBe(true),
  );

  it.each(['Mars/Olympus', '', 'UTC+3', '+05:30', 'Europe/', 'Europe//Berlin', 'x'.repeat(65)])('refuses %j', (name) => {
    expect(isValidTimeZone(name)).toBe(false);
  });

  it('spells a zone the way the tz database does when only the case differs', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('US/Eastern')).toBe('US/Eastern');
  });

  it('finds the exact instant a zone changes its offset', () => {
    const span = offsetSpanAt('Europe/Berlin', Date.parse('2026-06-01T00:00:00Z'));
    expect(new Date(span.start).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(span.end).toISOString()).toBe('2026-10-25T01:00:00.000Z');
    expect(span.offset).toBe(2 * 3_600_000);
  });

  it('resolves a skipped wall time forward by the jump and a repeated one to both occurrences', () => {
    expect(resolveWall('Australia/Lord_Howe', wall('2026-10-04T02:15:00'))).toEqual({
      kind: 'gap',
      instant: Date.parse('2026-10-03T15:45:00Z'),
      jump: 30 * 60_000,
    });
    expect(resolveWall('America/New_York', wall('2026-11-01T01:30:00'))).toEqual({
      kind: 'overlap',
      instant: Date.parse('2026-11-01T05:30:00Z'),
      second: Date.parse('2026-11-01T06:30:00Z'),
    });
    expect(resolveWall('Asia/Kolkata', wall('2026-01-01T09:00:00'))).toEqual({
      kind: 'normal',
      instant: Date.parse('2026-01-01T03:30:00Z'),
    });
  });
});
