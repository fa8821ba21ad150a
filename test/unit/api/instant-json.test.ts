import { describe, expect, it } from 'vitest';
import { InstantWriter } from '../../../src/api/instant-json';

describe('stored instants in responses', () => {
  it('shows an instant JavaScript cannot hold as null and names it, instead of throwing', () => {
    const at = new InstantWriter();
    expect(at.iso('run_after', new Date('infinity'))).toBeNull();
    expect(at.isoOrNull('end_at', new Date(Number.NaN))).toBeNull();
    expect(at.iso('dates.0', new Date('2026-01-01T09:00:00Z'))).toBe('2026-01-01T09:00:00.000Z');
    expect(at.isoOrNull('start_at', null)).toBeNull();
    expect(at.marker()).toEqual({ unreadable_instants: ['run_after', 'end_at'] });
  });

  it('adds no marker when every instant was shown', () => {
    const at = new InstantWriter();
    at.iso('created_at', '2026-01-01 09:00:00+00');
    expect(at.marker()).toEqual({});
  });
});
