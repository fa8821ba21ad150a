import { describe, expect, it } from 'vitest';
import { previewSchedule } from '../../../src/schedule';

// Exact instants across clock changes. The rules:
// - a wall time skipped by a forward jump fires once, shifted forward by the jump;
// - a wall time that occurs twice fires once, at the first occurrence, unless the hour field
//   covers all 24 hours: then the schedule follows real time and fires at both.
// Expected values were derived by hand from the zones' 2026 rules and checked with an
// independent brute-force scan over Python's zoneinfo.
function preview(schedule: string, timezone: string, from: string, count: number) {
  const r = previewSchedule({ schedule, timezone }, new Date(from), count);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.fires.map((fire, i) => `${fire} ${r.value.local[i]}`);
}

type Row = [schedule: string, from: string, expected: string[]];

function table(timezone: string, rows: Row[]) {
  it.each(rows)(`%s in ${timezone} after %s`, (schedule, from, expected) => {
    expect(preview(schedule, timezone, from, expected.length)).toEqual(expected);
  });
}

describe('America/New_York: spring forward 2026-03-08 02:00 EST → 03:00 EDT', () => {
  table('America/New_York', [
    ['30 2 * * *', '2026-03-07T12:00:00Z', ['2026-03-08T07:30:00Z 2026-03-08T03:30:00-04:00', '2026-03-09T06:30:00Z 2026-03-09T02:30:00-04:00']],
    ['0 2 * * *', '2026-03-07T12:00:00Z', ['2026-03-08T07:00:00Z 2026-03-08T03:00:00-04:00']],
    ['0 * * * *', '2026-03-08T05:00:00Z', ['2026-03-08T06:00:00Z 2026-03-08T01:00:00-05:00', '2026-03-08T07:00:00Z 2026-03-08T03:00:00-04:00', '2026-03-08T08:00:00Z 2026-03-08T04:00:00-04:00']],
    ['*/30 2 * * *', '2026-03-08T06:00:00Z', ['2026-03-08T07:00:00Z 2026-03-08T03:00:00-04:00', '2026-03-08T07:30:00Z 2026-03-08T03:30:00-04:00', '2026-03-09T06:00:00Z 2026-03-09T02:00:00-04:00']],
    ['30 2 * * *', '2026-03-08T07:00:00Z', ['2026-03-08T07:30:00Z 2026-03-08T03:30:00-04:00']],
  ]);
});

describe('America/New_York: fall back 2026-11-01 02:00 EDT → 01:00 EST', () => {
  table('America/New_York', [
    ['30 1 * * *', '2026-10-31T12:00:00Z', ['2026-11-01T05:30:00Z 2026-11-01T01:30:00-04:00', '2026-11-02T06:30:00Z 2026-11-02T01:30:00-05:00']],
    ['0 * * * *', '2026-11-01T04:00:00Z', ['2026-11-01T05:00:00Z 2026-11-01T01:00:00-04:00', '2026-11-01T06:00:00Z 2026-11-01T01:00:00-05:00', '2026-11-01T07:00:00Z 2026-11-01T02:00:00-05:00']],
    ['30 * * * *', '2026-11-01T04:00:00Z', ['2026-11-01T04:30:00Z 2026-11-01T00:30:00-04:00', '2026-11-01T05:30:00Z 2026-11-01T01:30:00-04:00', '2026-11-01T06:30:00Z 2026-11-01T01:30:00-05:00']],
    ['0 0-23 * * *', '2026-11-01T04:00:00Z', ['2026-11-01T05:00:00Z 2026-11-01T01:00:00-04:00', '2026-11-01T06:00:00Z 2026-11-01T01:00:00-05:00']],
    ['0 1-23 * * *', '2026-11-01T04:00:00Z', ['2026-11-01T05:00:00Z 2026-11-01T01:00:00-04:00', '2026-11-01T07:00:00Z 2026-11-01T02:00:00-05:00', '2026-11-01T08:00:00Z 2026-11-01T03:00:00-05:00']],
    ['*/15 1 * * *', '2026-11-01T04:00:00Z', ['2026-11-01T05:00:00Z 2026-11-01T01:00:00-04:00', '2026-11-01T05:15:00Z 2026-11-01T01:15:00-04:00', '2026-11-01T05:30:00Z 2026-11-01T01:30:00-04:00', '2026-11-01T05:45:00Z 2026-11-01T01:45:00-04:00', '2026-11-02T06:00:00Z 2026-11-02T01:00:00-05:00']],
  ]);
});

describe('Europe/Berlin: spring forward 2026-03-29 02:00 CET → 03:00 CEST', () => {
  table('Europe/Berlin', [
    ['30 2 * * *', '2026-03-28T12:00:00Z', ['2026-03-29T01:30:00Z 2026-03-29T03:30:00+02:00', '2026-03-30T00:30:00Z 2026-03-30T02:30:00+02:00']],
    ['30 2 * * *', '2026-03-29T00:30:00Z', ['2026-03-29T01:30:00Z 2026-03-29T03:30:00+02:00']],
    ['0 * * * *', '2026-03-29T00:00:00Z', ['2026-03-29T01:00:00Z 2026-03-29T03:00:00+02:00', '2026-03-29T02:00:00Z 2026-03-29T04:00:00+02:00']],
  ]);
});

describe('Europe/Berlin: fall back 2026-10-25 03:00 CEST → 02:00 CET', () => {
  table('Europe/Berlin', [
    ['30 2 * * *', '2026-10-24T12:00:00Z', ['2026-10-25T00:30:00Z 2026-10-25T02:30:00+02:00', '2026-10-26T01:30:00Z 2026-10-26T02:30:00+01:00']],
    ['*/30 * * * *', '2026-10-25T00:00:00Z', ['2026-10-25T00:30:00Z 2026-10-25T02:30:00+02:00', '2026-10-25T01:00:00Z 2026-10-25T02:00:00+01:00', '2026-10-25T01:30:00Z 2026-10-25T02:30:00+01:00', '2026-10-25T02:00:00Z 2026-10-25T03:00:00+01:00']],
  ]);
});

describe('Australia/Lord_Howe: 30-minute change forward 2026-10-04 02:00 → 02:30', () => {
  table('Australia/Lord_Howe', [
    ['15 2 * * *', '2026-10-03T00:00:00Z', ['2026-10-03T15:45:00Z 2026-10-04T02:45:00+11:00', '2026-10-04T15:15:00Z 2026-10-05T02:15:00+11:00']],
    ['0 * * * *', '2026-10-03T13:00:00Z', ['2026-10-03T13:30:00Z 2026-10-04T00:00:00+10:30', '2026-10-03T14:30:00Z 2026-10-04T01:00:00+10:30', '2026-10-03T15:30:00Z 2026-10-04T02:30:00+11:00', '2026-10-03T16:00:00Z 2026-10-04T03:00:00+11:00']],
    // 02:00, 02:10, 02:20 shift onto 02:30, 02:40, 02:50, which exist and match: each fires once
    ['*/10 2 * * *', '2026-10-03T15:00:00Z', ['2026-10-03T15:30:00Z 2026-10-04T02:30:00+11:00', '2026-10-03T15:40:00Z 2026-10-04T02:40:00+11:00', '2026-10-03T15:50:00Z 2026-10-04T02:50:00+11:00', '2026-10-04T15:00:00Z 2026-10-05T02:00:00+11:00']],
  ]);
});

describe('Australia/Lord_Howe: 30-minute change back 2026-04-05 02:00 → 01:30', () => {
  table('Australia/Lord_Howe', [
    ['45 1 * * *', '2026-04-04T00:00:00Z', ['2026-04-04T14:45:00Z 2026-04-05T01:45:00+11:00', '2026-04-05T15:15:00Z 2026-04-06T01:45:00+10:30']],
    ['*/15 * * * *', '2026-04-04T14:00:00Z', ['2026-04-04T14:15:00Z 2026-04-05T01:15:00+11:00', '2026-04-04T14:30:00Z 2026-04-05T01:30:00+11:00', '2026-04-04T14:45:00Z 2026-04-05T01:45:00+11:00', '2026-04-04T15:00:00Z 2026-04-05T01:30:00+10:30', '2026-04-04T15:15:00Z 2026-04-05T01:45:00+10:30', '2026-04-04T15:30:00Z 2026-04-05T02:00:00+10:30']],
  ]);
});

describe('Pacific/Chatham: +12:45 / +13:45, changes at 02:45 and 03:45', () => {
  table('Pacific/Chatham', [
    ['0 3 * * *', '2026-09-26T00:00:00Z', ['2026-09-26T14:15:00Z 2026-09-27T04:00:00+13:45', '2026-09-27T13:15:00Z 2026-09-28T03:00:00+13:45']],
    ['30 2 * * *', '2026-09-26T00:00:00Z', ['2026-09-26T13:45:00Z 2026-09-27T02:30:00+12:45']],
    ['50 2 * * *', '2026-09-26T00:00:00Z', ['2026-09-26T14:05:00Z 2026-09-27T03:50:00+13:45']],
    ['0 3 * * *', '2026-04-04T00:00:00Z', ['2026-04-04T13:15:00Z 2026-04-05T03:00:00+13:45', '2026-04-05T14:15:00Z 2026-04-06T03:00:00+12:45']],
    ['0 * * * *', '2026-04-04T13:00:00Z', ['2026-04-04T13:15:00Z 2026-04-05T03:00:00+13:45', '2026-04-04T14:15:00Z 2026-04-05T03:00:00+12:45', '2026-04-04T15:15:00Z 2026-04-05T04:00:00+12:45']],
  ]);
});

describe('zones with 30- and 45-minute offsets and no clock changes', () => {
  table('Asia/Kolkata', [['0 9 * * *', '2026-01-01T00:00:00Z', ['2026-01-01T03:30:00Z 2026-01-01T09:00:00+05:30']]]);
  table('Asia/Kathmandu', [
    ['0 9 * * *', '2026-01-01T00:00:00Z', ['2026-01-01T03:15:00Z 2026-01-01T09:00:00+05:45']],
    // 1986-01-01 00:00 +05:30 became 00:15 +05:45: 00:05 was skipped and fires at 00:20
    ['5 0 * * *', '1985-12-31T12:00:00Z', ['1985-12-31T18:35:00Z 1986-01-01T00:20:00+05:45', '1986-01-01T18:20:00Z 1986-01-02T00:05:00+05:45']],
  ]);
});

describe('clock change notes in the preview', () => {
  it('says which wall time did not exist and when it fires instead', () => {
    const r = previewSchedule({ schedule: '30 2 * * *', timezone: 'Europe/Berlin' }, new Date('2026-03-29T00:30:00Z'), 1);
    expect(r.ok && r.value.warnings).toEqual([
      '2026-03-29 02:30 does not exist in Europe/Berlin (the clocks jump forward 1 hour at 02:00), so it fires at 03:30 (+02:00)',
    ]);
  });

  it('gives the new date when the skipped time crosses a date (Apia skipped 2011-12-30)', () => {
    const r = previewSchedule({ schedule: '0 12 * * 5', timezone: 'Pacific/Apia' }, new Date('2011-12-28T00:00:00Z'), 2);
    expect(r.ok && r.value).toEqual({
      fires: ['2011-12-30T22:00:00Z', '2012-01-05T22:00:00Z'],
      local: ['2011-12-31T12:00:00+14:00', '2012-01-06T12:00:00+14:00'],
      warnings: ['2011-12-30 12:00 does not exist in Pacific/Apia (the clocks jump forward 1 day at 00:00), so it fires at 2011-12-31 12:00 (+14:00)'],
    });
  });

  it('says a repeated wall time fires once, at its first occurrence', () => {
    const r = previewSchedule({ schedule: '45 1 * * *', timezone: 'Australia/Lord_Howe' }, new Date('2026-04-04T00:00:00Z'), 1);
    expect(r.ok && r.value.warnings).toEqual([
      '2026-04-05 01:45 occurs twice in Australia/Lord_Howe (the clocks go back 30 minutes); it fires once, at the first (+11:00)',
    ]);
  });

  it('says an all-hours schedule follows real time through a repeated hour', () => {
    const r = previewSchedule({ schedule: '0 * * * *', timezone: 'America/New_York' }, new Date('2026-11-01T04:00:00Z'), 3);
    expect(r.ok && r.value.warnings).toEqual([
      '2026-11-01: the clocks go back 1 hour in America/New_York; the hour field covers all 24 hours, so the schedule follows real time and fires in both occurrences of the repeated times',
    ]);
  });
});
