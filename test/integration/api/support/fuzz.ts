// What the fuzz tests send and check: values PostgreSQL takes but JavaScript cannot show, or
// that overflow one of PostgreSQL's limits, and the check that the scheduler survived them.
import fc from 'fast-check';
import { expect } from 'vitest';
import { ALICE_TOKEN } from '../../../setup/tokens';
import { callApi } from '../../support/api';
import { sql } from '../../support/database';
import { tick } from '../../support/engine';

export const ERROR_CODES = ['invalid_request', 'invalid_schedule', 'invalid_timezone', 'never_fires', 'unauthorized', 'forbidden', 'not_found',
  'conflict', 'payload_too_large', 'unsupported_media_type', 'unprocessable'];

/** Text PostgreSQL may read as timestamptz that is no instant the API can show (or none at all). */
export const badInstant = fc.oneof(
  fc.constantFrom('infinity', '-infinity', '+infinity', 'Infinity', 'epoch', 'now', 'allballs', 'J2451187', '0000-01-01T00:00:00Z',
    '0044-03-15 00:00:00+00 BC', '2026-01-01 BC', '10000-01-01T00:00:00Z', '294277-01-01T00:00:00Z', '-0001-01-01T00:00:00Z', '2026-02-30',
    '2026-01-01T24:00:01Z', '2026-01-01T00:00:00+16:00', '0050-01-01T00:00:00Z'),
  fc
    .tuple(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.constantFrom('', ' BC', 'Z', '+14'))
    .map(([y, m, d, suffix]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}${suffix}`),
);

/**
 * Random bytes as base64, 2,000 to 8,000 characters: TOAST cannot compress it, so it reaches an
 * index at full size (a repeated character compresses to almost nothing and never does).
 */
export const incompressible = fc.uint8Array({ minLength: 1500, maxLength: 6000 }).map((bytes) => btoa(String.fromCharCode(...bytes)));

/** CJK characters, three UTF-8 bytes each. */
export const cjk = fc.string({ unit: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)), minLength: 150, maxLength: 1200 });

export const withNul = fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\u0000${b}`);

/** Strings no text column or jsonb value may hold, or that are too long for an index. */
export const badString = fc.oneof(
  badInstant,
  incompressible,
  cjk,
  withNul,
  fc.constantFrom('\u0000', '\ud800', 'a\udfffb', '\ud800\u0000'),
);

export const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom("'; DROP TABLE edgecron.job; --", '💥', '1 month', 'P1Y', '25:99', 'socket: connection terminated'),
  badString,
);

/**
 * JSON text nested 30 to 60,000 levels deep: arrays, or objects with a NUL in a key. Text, not a
 * value: V8's JSON.stringify overflows its own stack on such values.
 */
export const deepText = fc
  .tuple(fc.integer({ min: 30, max: 60_000 }), fc.boolean())
  .map(([depth, objects]) =>
    objects ? `${'{"k\\u0000":'.repeat(Math.min(depth, 5000))}1${'}'.repeat(Math.min(depth, 5000))}` : `${'['.repeat(depth)}${']'.repeat(depth)}`,
  );

/** Checks an answer: never a 5xx, and an error in the one shape with a known code. */
export function expectNoServerError(status: number, text: string, where: string): void {
  expect(status, where).toBeLessThan(500);
  if (status < 400) return;
  const parsed = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(parsed), where).toEqual(['error']);
  expect(ERROR_CODES, where).toContain(parsed.error.code);
  expect(typeof parsed.error.message, where).toBe('string');
}

/**
 * After a fuzz: a job submitted now runs and succeeds through the master, whatever the fuzz
 * left in the tables. Unpauses first: a generated admin POST /pause is a request, not damage.
 */
export async function expectSchedulerRunsAJob(): Promise<void> {
  await sql('UPDATE edgecron.settings SET paused = false');
  const response = await callApi('/v1/databases/main/submit', {
    method: 'POST',
    token: ALICE_TOKEN,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: 'SELECT 42 AS answer', priority: 1_000_000 }),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: number };
  // Fuzzed jobs may be due as well; ours has the highest priority, and a few ticks are plenty.
  let runs: Array<{ status: string; result: { rows: unknown[] } | null }> = [];
  for (let ticks = 0; ticks < 5; ticks++) {
    await tick();
    runs = await sql('SELECT status, result FROM edgecron.run WHERE job_id = $1', [id]);
    if (runs.some((r) => r.status !== 'queued' && r.status !== 'running')) break;
  }
  expect(runs).toMatchObject([{ status: 'succeeded', result: { rows: [{ answer: 42 }] } }]);
}
