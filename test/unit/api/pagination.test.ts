import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../../src/api/errors';
import { decodeCursor, encodeCursor, page } from '../../../src/api/pagination';

describe('cursors', () => {
  it.each([1, 42, 1_000_000, Number.MAX_SAFE_INTEGER])('round-trips the id %d through an opaque url-safe cursor', (id) => {
    const cursor = encodeCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(id);
  });

  it.each(['', 'not base64!', encodeCursor(1).slice(0, 1), btoa('0'), btoa('-5'), btoa('1e3'), btoa('9007199254740992'), 'x'.repeat(64)])(
    'refuses the cursor %j with a 400 naming cursor',
    (cursor) => {
      try {
        decodeCursor(cursor);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ApiFailure);
        expect((e as ApiFailure).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^cursor: /) });
      }
    },
  );

  it('gives a next cursor only when a row beyond the page was fetched', () => {
    const rows = [{ id: 5 }, { id: 4 }, { id: 3 }];
    expect(page(rows, 2)).toEqual({ items: [{ id: 5 }, { id: 4 }], next_cursor: encodeCursor(4) });
    expect(page(rows, 3)).toEqual({ items: rows, next_cursor: null });
  });
});
