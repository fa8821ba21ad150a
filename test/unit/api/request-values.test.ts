import { describe, expect, it } from 'vitest';
import { z } from '@hono/zod-openapi';
import { MAX_NAME_LENGTH, Name, QueryInstant, Text, TimestampText } from '../../../src/api/schemas/common';
import { MAX_JSON_DEPTH, checkJsonValue } from '../../../src/api/schemas/json-value';

const issues = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.error?.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`) ?? [];

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('instants in requests', () => {
  it.each([
    '2026-01-01T09:00:00Z', '2026-01-01 09:00:00+02', '2026-01-01T09:00:00.123456789-05:30', '2026-01-01', '2026-01-01T09:00',
    '1000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-02-29T00:00:00Z',
  ])('takes %j', (text) => {
    expect(TimestampText.safeParse(text).success).toBe(true);
  });

  it.each([
    'infinity', '-infinity', 'now', 'epoch', 'today', 'J2451187', '2026-01-01 BC', '0044-03-15 00:00:00+00 BC', '0000-01-01T00:00:00Z',
    '0050-01-01T00:00:00Z', '0999-12-31T23:59:59Z', '1000-01-01T00:00:00+01', '10000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z',
    '2025-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+16', '2026-01-01\u0000', ' 2026-01-01T00:00:00Z x', '', `2026-01-01T00:00:00.${'1'.repeat(100)}Z`,
  ])('refuses %j naming what is allowed', (text) => {
    expect(issues(TimestampText.safeParse(text))).toEqual([
      ': must be an ISO 8601 instant between 1000-01-01 and 9999-12-31, such as 2026-01-01T09:00:00Z or 2026-01-01 10:00:00+01',
    ]);
  });

  it('reads a query instant without an offset as UTC', () => {
    expect(QueryInstant.parse('2026-01-01T09:00')).toEqual(new Date('2026-01-01T09:00:00Z'));
    expect(QueryInstant.parse('2026-01-01 10:00:00+01')).toEqual(new Date('2026-01-01T09:00:00Z'));
    expect(QueryInstant.safeParse('0000-01-01T00:00:00Z').success).toBe(false);
  });
});

describe('text', () => {
  it.each([['a\u0000b'], ['\ud800'], ['x\udc00'], ['\udc00\ud800']])('refuses %j: PostgreSQL cannot store it', (text) => {
    expect(issues(Text.safeParse(text))).toEqual([': must not contain NUL (\\u0000) or unpaired surrogate characters']);
  });

  it('takes any other text, pairs of surrogates included', () => {
    for (const text of ['', 'plain', '🕐 emoji', '漢字', '\u0001\u001f', 'tab\tand\nnewline']) expect(Text.safeParse(text).success).toBe(true);
  });

  it(`limits names to ${MAX_NAME_LENGTH} characters, which always fit the unique index on (owner, name)`, () => {
    expect(Name.safeParse('n'.repeat(MAX_NAME_LENGTH)).success).toBe(true);
    expect(issues(Name.safeParse('n'.repeat(MAX_NAME_LENGTH + 1)))).toEqual([': at most 200 characters']);
    // Three UTF-8 bytes per UTF-16 unit at most, beside a 63-byte owner: well under the 2704 bytes an index entry may hold.
    const worst = '\uffff'.repeat(MAX_NAME_LENGTH);
    expect(Name.safeParse(worst).success).toBe(true);
    expect(new TextEncoder().encode(worst).length + 63).toBeLessThan(2704);
  });
});

describe('free-form JSON', () => {
  const Params = z.array(z.unknown()).superRefine(checkJsonValue);

  it(`takes values nested up to ${MAX_JSON_DEPTH} levels, itself included`, () => {
    expect(Params.safeParse([nested(MAX_JSON_DEPTH - 1)]).success).toBe(true);
    expect(issues(Params.safeParse([nested(MAX_JSON_DEPTH)]))).toEqual([': JSON nested deeper than 32 levels of arrays and objects']);
  });

  it('checks 60,000 levels without overflowing its own stack', () => {
    expect(issues(Params.safeParse([nested(60_000)]))).toEqual([': JSON nested deeper than 32 levels of arrays and objects']);
  });

  it('names the path of a string or key PostgreSQL cannot store', () => {
    expect(issues(Params.safeParse([1, { a: ['ok', 'b\u0000'] }]))).toEqual(['1.a.1: must not contain NUL (\\u0000) or unpaired surrogate characters']);
    expect(issues(Params.safeParse([{ ok: 1, 'k\ud800': 2 }]))).toEqual(['0: a key must not contain NUL (\\u0000) or unpaired surrogate characters (key "k\\ud800")']);
  });
});
