import { describe, expect, it } from 'vitest';
import { toRunError, toRunResult } from '../../../src/executor/outcome';

describe('toRunResult', () => {
  it('keeps the last statement of a multi-statement command', () => {
    const raw = [
      { command: 'CREATE', rowCount: null, rows: [] },
      { command: 'SELECT', rowCount: 2, rows: [{ b: 1, a: 1 }, { b: 2, a: 2 }], fields: [{ name: 'b' }, { name: 'a' }] },
    ];
    expect(toRunResult(raw, 1000)).toEqual({
      command: 'SELECT',
      row_count: 2,
      columns: ['b', 'a'],
      rows: [{ b: 1, a: 1 }, { b: 2, a: 2 }],
      truncated: false,
    });
  });

  it('keeps rows only while their JSON fits the limit and says it truncated', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ i }));
    const result = toRunResult({ command: 'SELECT', rowCount: 100, rows }, 50);
    expect(result.truncated).toBe(true);
    expect(result.row_count).toBe(100);
    expect(JSON.stringify(result.rows).length).toBeLessThanOrEqual(50);
    expect(result.rows.length).toBeGreaterThan(0);
  });
});

describe('toRunError', () => {
  it('keeps SQLSTATE, message, detail and hint of a PostgreSQL error', () => {
    const e = Object.assign(new Error('duplicate key value violates unique constraint "t_pkey"'), {
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
      hint: undefined,
    });
    expect(toRunError(e)).toEqual({
      message: 'duplicate key value violates unique constraint "t_pkey"',
      sqlstate: '23505',
      detail: 'Key (id)=(1) already exists.',
    });
  });

  it('keeps only the message of an error that is not from PostgreSQL', () => {
    expect(toRunError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({ message: 'socket hang up' });
  });
});
