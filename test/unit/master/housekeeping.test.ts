import { describe, expect, it } from 'vitest';
import { heartbeatMaxAgeMs, purgeEveryMs } from '../../../src/master/housekeeping';

describe('housekeeping cadence', () => {
  it('purges every minute, and in scale-to-zero mode once per sync interval', () => {
    expect(purgeEveryMs({ scaleToZero: false, syncIntervalMs: 15 * 60_000 })).toBe(60_000);
    expect(purgeEveryMs({ scaleToZero: true, syncIntervalMs: 15 * 60_000 })).toBe(15 * 60_000);
    expect(purgeEveryMs({ scaleToZero: true, syncIntervalMs: 10_000 })).toBe(60_000);
  });

  it('keeps a heartbeat an hour after its last tick, or two sync intervals when longer', () => {
    expect(heartbeatMaxAgeMs({ syncIntervalMs: 15 * 60_000 })).toBe(3_600_000);
    expect(heartbeatMaxAgeMs({ syncIntervalMs: 2 * 3_600_000 })).toBe(4 * 3_600_000);
  });
});
