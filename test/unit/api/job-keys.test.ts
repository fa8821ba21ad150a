import { describe, expect, it } from 'vitest';
import { replacementKeys } from '../../../src/api/routes/job-by-name';
import { CreateJobBody, PatchJobBody } from '../../../src/api/schemas/job-keys';
import { SubmitBody } from '../../../src/api/schemas/submit';

const messages = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('job keys', () => {
  it('takes pgpro_scheduler create_job keys and edgecron keys together', () => {
    const body = {
      name: 'n', cron: '* * * * *', commands: ['SELECT 1', 'SELECT 2'], use_same_transaction: true, run_as: 'alice',
      start_date: '2026-01-01', end_date: '2027-01-01', last_start_available: '5 minutes', max_run_time: '1 hour',
      max_instances: 2, onrollback: 'SELECT 0', next_time_statement: 'SELECT now()', comments: 'c', timezone: 'UTC',
      overlap: 'queue', misfire: 'skip', retry: { max_attempts: 3, backoff: '1 second' }, queue: 'q', priority: -5, enabled: false,
    };
    expect(CreateJobBody.safeParse(body).success).toBe(true);
  });

  it('needs exactly one schedule key and one command key to create', () => {
    expect(messages(CreateJobBody.safeParse({ command: 'SELECT 1' }))).toEqual([': give exactly one of "schedule", "cron", "rule", "date", "dates"']);
    expect(messages(CreateJobBody.safeParse({ cron: '* * * * *', rule: {}, command: 'SELECT 1' }))).toEqual([
      'rule: cannot be combined with "cron"; give one of "schedule", "cron", "rule", "date", "dates"',
    ]);
    expect(messages(CreateJobBody.safeParse({ cron: '* * * * *', command: 'SELECT 1', commands: ['SELECT 2'] }))).toEqual([
      'commands: cannot be combined with "command"; give one of "command", "commands"',
    ]);
  });

  it('refuses both names of one column', () => {
    expect(messages(PatchJobBody.safeParse({ onrollback: 'a', fallback: 'b' }))).toEqual(['fallback: cannot be combined with "onrollback"; give one of "onrollback", "fallback"']);
  });

  it('lets a change name any subset of create and submit keys, null resetting one', () => {
    expect(PatchJobBody.safeParse({}).success).toBe(true);
    expect(PatchJobBody.safeParse({ comments: null, end_date: null, max_instances: null }).success).toBe(true);
    expect(PatchJobBody.safeParse({ query: 'SELECT 2', max_duration: '1 minute', resubmit_limit: 3 }).success).toBe(true);
    expect(messages(PatchJobBody.safeParse({ command: 'a', query: 'b' }))).toEqual(['query: cannot be combined with "command"; give one of "command", "commands", "query"']);
  });

  it.each([
    [{ max_instances: 0 }, 'max_instances'],
    [{ priority: 2 ** 31 }, 'priority'],
    [{ retry: { max_attempts: 2, jitter: true } }, 'retry'],
    [{ overlap: 'parallel' }, 'overlap'],
    [{ commands: [] }, 'commands'],
  ])('refuses %j naming %s', (keys, key) => {
    const result = PatchJobBody.safeParse(keys);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(key);
  });
});

describe('submit keys', () => {
  it('needs a query and takes pgpro_scheduler submit_job parameters', () => {
    expect(SubmitBody.safeParse({ query: 'SELECT $1', params: [1], depends_on: [1, 2], resubmit_limit: 0, max_duration: '1 minute' }).success).toBe(true);
    expect(messages(SubmitBody.safeParse({}))[0]).toMatch(/^query: /);
    expect(SubmitBody.safeParse({ query: 'x', depends_on: [0] }).success).toBe(false);
  });
});

describe('replacing a job kept in code', () => {
  it('resets every key the body leaves out (null: the column default), and keeps what it says', () => {
    const keys = replacementKeys({ cron: '* * * * *', command: 'SELECT 1', priority: 3, retry: { max_attempts: 2 } });
    expect(keys).toMatchObject({ cron: '* * * * *', command: 'SELECT 1', priority: 3, comments: null, enabled: null, overlap: null, max_wait: null });
    expect(keys.retry).toEqual({ max_attempts: 2, backoff: null, backoff_max: null, broken_after: null });
    expect(keys).not.toHaveProperty('owner');
    expect(keys).not.toHaveProperty('schedule');
  });

  it('does not reset a column under one name when the body uses the other', () => {
    const keys = replacementKeys({ cron: '* * * * *', command: 'SELECT 1', onrollback: 'SELECT 0', last_start_available: '1 minute' });
    expect(keys).not.toHaveProperty('fallback');
    expect(keys).not.toHaveProperty('max_wait');
    expect(keys).toMatchObject({ onrollback: 'SELECT 0', last_start_available: '1 minute' });
  });
});
