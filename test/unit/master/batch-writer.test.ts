import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/master/batch-writer';

describe('BatchWriter', () => {
  it('writes a lone value at once and what arrives meanwhile in the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const writer = new BatchWriter<string>({
      maxBatch: 100,
      write: async (values) => {
        batches.push(values.map(([k]) => k));
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      onError: () => {},
    });
    const first = writer.add(1, 'a');
    const others = [writer.add(2, 'b'), writer.add(3, 'c'), writer.add(4, 'd')];
    release();
    await Promise.all([first, ...others]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(writer.size).toBe(0);
  });

  it('keeps a batch that failed pending and writes it on the next flush', async () => {
    let fail = true;
    const written: number[] = [];
    const errors: number[] = [];
    const writer = new BatchWriter<string>({
      maxBatch: 100,
      write: async (values) => {
        if (fail) throw new Error('database unreachable');
        written.push(...values.map(([k]) => k));
      },
      onError: (_e, count) => errors.push(count),
    });
    await writer.add(7, 'x');
    expect(errors).toEqual([1]);
    expect(writer.size).toBe(1);
    fail = false;
    await writer.flush();
    expect(written).toEqual([7]);
    expect(writer.size).toBe(0);
  });

  it('splits a large backlog into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    let release: () => void = () => {};
    const writer = new BatchWriter<number>({
      maxBatch: 3,
      write: async (values) => {
        sizes.push(values.length);
        if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      onError: () => {},
    });
    const all = [writer.add(0, 0)];
    for (let i = 1; i <= 7; i++) all.push(writer.add(i, i));
    release();
    await Promise.all(all);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('tells whenWritten only once the value was written, not when its batch failed', async () => {
    let fail = true;
    const writer = new BatchWriter<string>({
      maxBatch: 100,
      write: async () => {
        if (fail) throw new Error('database unreachable');
      },
      onError: () => {},
    });
    let written = false;
    await writer.add(7, 'x');
    const waiting = writer.whenWritten(7).then(() => (written = true));
    await writer.flush();
    await Promise.resolve();
    expect(written).toBe(false);
    fail = false;
    await writer.flush();
    await waiting;
    expect(written).toBe(true);
    await writer.whenWritten(7); // nothing pending: at once
  });
});

describe('BatchWriter deferring', () => {
  it('keeps deferred values pending without retrying them in a loop, and writes them on the next flush', async () => {
    const batches: number[][] = [];
    let locked = new Set([2]);
    const writer = new BatchWriter<string>({
      maxBatch: 100,
      write: async (values) => {
        batches.push(values.map(([k]) => k));
        return values.map(([k]) => k).filter((k) => locked.has(k));
      },
      onError: () => {},
    });
    await Promise.all([writer.add(1, 'a'), writer.add(2, 'b')]);
    expect(writer.size).toBe(1);
    // A later value is written on its own: the deferred one waits for an explicit flush.
    await writer.add(3, 'c');
    expect(batches).toEqual([[1], [2], [3]]);
    await writer.flush();
    expect(batches.at(-1)).toEqual([2]);
    expect(writer.size).toBe(1);
    locked = new Set();
    await writer.flush();
    expect(batches.at(-1)).toEqual([2]);
    expect(writer.size).toBe(0);
  });
});
