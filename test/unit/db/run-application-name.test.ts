import { describe, expect, it } from 'vitest';
import { runApplicationName } from '../../../src/db/queries/maintenance';

describe('runApplicationName', () => {
  it('names the database and the run', () => {
    expect(runApplicationName('main', 42)).toBe('edgecron main run 42');
  });

  it('fits in 63 bytes and always ends in the run id, shortening the database name', () => {
    const name = runApplicationName('a'.repeat(60), 9_007_199_254_740_991);
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^edgecron a+ run 9007199254740991$/);
  });
});
