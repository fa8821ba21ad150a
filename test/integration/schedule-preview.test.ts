import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// The preview route through the real Worker: mounted, reachable without a token, JSON out.
// The route's behaviour in detail is tested in Node (test/unit/schedule/schedule-preview-route.test.ts).
const preview = (body: string) =>
  exports.default.fetch('http://edgecron.test/v1/schedule/preview', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });

describe('POST /v1/schedule/preview in the Worker', () => {
  it('answers the next fires without a token', async () => {
    const response = await preview(JSON.stringify({ schedule: '30 2 * * *', timezone: 'Europe/Berlin', from: '2026-03-29T00:30:00Z', count: 1 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ fires: ['2026-03-29T01:30:00Z'], local: ['2026-03-29T03:30:00+02:00'] });
  });

  it('answers 400 with the error body for an invalid schedule', async () => {
    const response = await preview(JSON.stringify({ schedule: '61 * * * *' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'invalid_schedule', message: 'minute: 61 is out of range 0-59 in "61 * * * *"', details: { field: 'schedule' } },
    });
  });
});
