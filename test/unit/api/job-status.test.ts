import { describe, expect, it } from 'vitest';
import { jobStatus } from '../../../src/api/job-json';
import type { Job, RunStatus } from '../../../src/db/schema';

const job = (kind: Job['kind'], state: Job['state'], enabled = true) => ({ kind, state, enabled }) as Job;
const runs = (fields: { running?: boolean; queued?: boolean; lastStatus?: RunStatus | null } = {}) => ({
  running: false,
  queued: false,
  lastStatus: null,
  ...fields,
});

describe('the status a job shows', () => {
  it('is running or queued while a run of it is, whatever the job', () => {
    expect(jobStatus(job('recurring', 'active', false), runs({ running: true, queued: true }))).toBe('running');
    expect(jobStatus(job('one_time', 'active'), runs({ queued: true, lastStatus: 'failed' }))).toBe('queued');
  });

  it('is pending for a one-time job until it finishes, then its last run\'s status', () => {
    expect(jobStatus(job('one_time', 'active'), runs({ lastStatus: 'failed' }))).toBe('pending');
    expect(jobStatus(job('one_time', 'done'), runs({ lastStatus: 'dependency_failed' }))).toBe('dependency_failed');
    expect(jobStatus(job('one_time', 'done'), runs())).toBe('canceled');
    expect(jobStatus(job('one_time', 'broken'), runs())).toBe('broken');
  });

  it('is scheduled, disabled, broken or done for a recurring job', () => {
    expect(jobStatus(job('recurring', 'active'), runs({ lastStatus: 'failed' }))).toBe('scheduled');
    expect(jobStatus(job('recurring', 'active', false), runs())).toBe('disabled');
    expect(jobStatus(job('recurring', 'broken'), runs())).toBe('broken');
    expect(jobStatus(job('recurring', 'done'), runs())).toBe('done');
  });
});
