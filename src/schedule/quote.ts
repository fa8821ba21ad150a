// User input inside error messages: quoted, with control characters escaped so a message stays
// one readable line, and cut short so a 10,000-character input does not make a 10,000-character
// message. Every message of the schedule module quotes what the user wrote through here.

/** How many characters of a quoted value a message shows before "…". */
export const QUOTE_LIMIT = 100;

/** The first `limit` characters of `text`, never splitting a surrogate pair, and "…" if cut. */
export function shorten(text: string, limit = QUOTE_LIMIT): string {
  if (text.length <= limit) return text;
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return `${text.slice(0, cut)}…`;
}

/**
 * A value as a message shows it: a string in double quotes, JSON-escaped (`"*\u0000"`), at most
 * QUOTE_LIMIT characters of it; a number as written (`NaN`); anything else as JSON, shortened.
 */
export function quote(value: unknown, limit = QUOTE_LIMIT): string {
  if (typeof value === 'string') return JSON.stringify(shorten(value, limit));
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value === undefined) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value); // a cycle: say what it is, not what it holds
  }
  return shorten(text, limit);
}
