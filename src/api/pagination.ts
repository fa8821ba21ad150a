// Cursor pagination: a cursor is the base64url of the last id of the previous page, opaque to
// callers. Pages are fetched one row long, so a page knows whether another follows.
import { fail } from './errors';
import { MAX_ID } from './schemas/common';

export function encodeCursor(id: number): string {
  return btoa(String(id)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The id a cursor stands for; a 400 naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): number {
  let text = '';
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    text = '';
  }
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN;
  if (!(id <= MAX_ID)) return fail('invalid_request', `cursor: ${JSON.stringify(cursor.slice(0, 80))} is not a cursor this API returned`);
  return id;
}

/** The page (at most `limit` rows of `rows`, fetched with limit + 1) and the cursor after it. */
export function page<T extends { id: number }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
