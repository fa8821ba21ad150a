import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schedulePreview } from '../../../src/api/schedule-preview';

async function post(body: string | object) {
  const response = await schedulePreview.request('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('POST /v1/schedule/preview', () => {
  it('answers the fires across the Berlin spring change, in UTC and local time', async () => {
    expect(await post({ schedule: '30 2 * * *', timezone: 'Europe/Berlin', from: '2026-03-29T00:30:00Z', count: 2 })).toEqual({
      status: 200,
      body: {
        fires: ['2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z'],
        local: ['2026-03-29T03:30:00+02:00', '2026-03-30T02:30:00+02:00'],
        warnings: ['2026-03-29 02:30 does not exist in Europe/Berlin (the clocks jump forward 1 hour at 02:00), so it fires at 03:30 (+02:00)'],
      },
    });
  });

  it('defaults to 5 fires in UTC from now', async () => {
    const before = Date.now();
    const { status, body } = await post({ schedule: '* * * * *' });
    expect(status).toBe(200);
    const { fires, local } = body as { fires: string[]; local: string[] };
    expect(fires).toHaveLength(5);
    expect(Date.parse(fires[0] as string)).toBeGreaterThan(before);
    expect(local[0]?.endsWith('+00:00')).toBe(true);
  });

  it('reads a from without an offset in the schedule time zone', async () => {
    const { body } = await post({ schedule: '0 10 * * *', timezone: 'Asia/Kolkata', from: '2026-01-01 09:00', count: 1 });
    expect(body).toMatchObject({ fires: ['2026-01-01T04:30:00Z'] });
  });

  it('answers 400 with the schedule error, naming the field', async () => {
    expect(await post({ schedule: '61 * * * *' })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_schedule', message: 'minute: 61 is out of range 0-59 in "61 * * * *"', details: { field: 'schedule' } } },
    });
    expect(await post({ schedule: '@daily', timezone: 'Mars/Olympus' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_timezone', details: { field: 'timezone' } } } });
    expect(await post({ schedule: '0 0 30 2 *' })).toMatchObject({ status: 400, body: { error: { code: 'never_fires' } } });
  });

  it('answers 400 naming unknown keys', async () => {
    expect(await post({ schedule: '@daily', tz: 'UTC', limit: 3 })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'body: unknown keys "tz", "limit"; allowed keys are schedule, rule, dates, at, timezone, start, end, dayMatch, from, count' } },
    });
  });

  it('names at most five unknown keys, each cut short', async () => {
    const body = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}${'k'.repeat(10_000)}`, 1]));
    const { status, body: answer } = await post({ schedule: '@daily', ...body });
    expect(status).toBe(400);
    const message = (answer as { error: { message: string } }).error.message;
    expect(message).toMatch(/^body: unknown keys "0k+…", "1k+…", "2k+…", "3k+…", "4k+…" and 15 more; allowed keys are /);
    expect(message.length).toBeLessThan(700);
  });

  it('answers 400 for malformed JSON, a bad count and a bad from', async () => {
    expect(await post('{"schedule": ')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post({ schedule: '@daily', count: 1001 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', details: [{ path: 'count' }] } } });
    expect(await post({ schedule: '@daily', count: 0 })).toMatchObject({ status: 400 });
    expect(await post({ schedule: '@daily', from: 'yesterday' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post({ schedule: '@daily', from: '9999-12-31T23:30:00-05:00' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', message: expect.stringMatching(/^from: .* is after 9999-12-31T23:59:59.999Z, the latest instant a schedule may use$/) } },
    });
    expect(await post([1, 2])).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('never answers 5xx, whatever the body', async () => {
    const key = fc.constantFrom('schedule', 'rule', 'dates', 'at', 'timezone', 'start', 'end', 'dayMatch', 'from', 'count', 'other');
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom('*/5 * * * *', '@every 5 min', 'Europe/Berlin', '2026-03-29T00:30:00Z', 5, 1000, [], {}));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.dictionary(key, value), fc.jsonValue(), fc.string()), async (body) => {
        const { status, body: answer } = await post(typeof body === 'string' ? body : JSON.stringify(body));
        expect([200, 400]).toContain(status);
        if (status === 400) expect(answer).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      }),
      { numRuns: 300 },
    );
  });
});
