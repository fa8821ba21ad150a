import { describe, expect, it } from 'vitest';
import { apiErrorFromDatabase, loggableError } from '../../../src/api/database-errors';

function pgError(code: string, message: string, extra: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('SQLSTATE to HTTP, as docs/job-keys.md says', () => {
  it.each([
    ['22023', 'invalid_request'],
    ['22P02', 'invalid_request'],
    ['22007', 'invalid_request'],
    ['22008', 'invalid_request'],
    ['23514', 'invalid_request'],
    ['23502', 'invalid_request'],
    ['42501', 'forbidden'],
    ['P0002', 'not_found'],
    ['23505', 'conflict'],
    ['55000', 'conflict'],
    ['54000', 'payload_too_large'],
    ['54001', 'invalid_request'],
    ['54011', 'invalid_request'],
    ['54023', 'invalid_request'],
    ['22P05', 'invalid_request'],
  ])('maps %s to %s with the database message', (code, apiCode) => {
    expect(apiErrorFromDatabase(pgError(code, `create_job: key "x" is wrong`))).toEqual({
      code: apiCode,
      message: 'create_job: key "x" is wrong',
      details: { sqlstate: code },
    });
  });

  it('finds the driver error behind the error drizzle wraps it in', () => {
    const wrapped = new Error('Failed query: SELECT edgecron.create_job($1::jsonb)', { cause: pgError('23505', 'name taken') });
    expect(apiErrorFromDatabase(wrapped)?.code).toBe('conflict');
  });

  it('keeps detail and hint, but not the repeated row of a failed check', () => {
    expect(apiErrorFromDatabase(pgError('22023', 'bad', { detail: 'the detail', hint: 'the hint' }))?.details).toEqual({
      sqlstate: '22023',
      detail: 'the detail',
      hint: 'the hint',
    });
    expect(apiErrorFromDatabase(pgError('23514', 'check', { detail: 'Failing row contains (1, secret)' }))?.details).toEqual({ sqlstate: '23514' });
  });

  it.each([['42883'], ['XX000'], ['53300'], ['42P01'], ['42601'], ['08006'], ['57P01'], ['0A000']])('leaves %s to the caller as an unexpected failure', (code) => {
    expect(apiErrorFromDatabase(pgError(code, 'internal text'))).toBeNull();
  });

  it('leaves errors without a SQLSTATE alone', () => {
    expect(apiErrorFromDatabase(new Error('boom'))).toBeNull();
    expect(apiErrorFromDatabase('a string')).toBeNull();
  });
});

describe('logging an unexpected error', () => {
  it('keeps the SQLSTATE and message of a database error, not the query parameters drizzle adds', () => {
    const wrapped = new Error("Failed query: SELECT edgecron.create_job($1::jsonb)\nparams: {\"command\":\"ALTER ROLE x PASSWORD 'hunter2'\"}", {
      cause: pgError('XX000', 'internal error'),
    });
    expect(loggableError(wrapped)).toBe('database error XX000: internal error');
    const noCode = new Error("Failed query: SELECT 1\nparams: 'hunter2'", { cause: new Error('socket hang up') });
    expect(loggableError(noCode)).toBe('Error: query failed (socket hang up)');
    expect(loggableError(noCode)).not.toContain('hunter2');
  });
});
