// Free-form JSON in a request (`params`, `rule`): any value, but one PostgreSQL can take as
// jsonb. Nested too deep, it exhausted the server's stack (SQLSTATE 54001, a 500: 60,000 nested
// arrays fit in 120 KB); a NUL or an unpaired surrogate in a string or a key is refused by jsonb
// without naming the field. Both are a 400 naming the key here.
import type { z } from '@hono/zod-openapi';
import { isStorableText } from './common';

/** Levels of arrays and objects a free-form value may have, itself included. */
export const MAX_JSON_DEPTH = 32;

/**
 * A superRefine for a free-form JSON value: one issue for the first string or key PostgreSQL
 * cannot store (at its path), or for nesting past MAX_JSON_DEPTH (at the value's own path).
 * Iterative, so a value nested any depth cannot overflow this stack either.
 */
export function checkJsonValue(value: unknown, ctx: z.RefinementCtx): void {
  const stack: Array<{ value: unknown; depth: number; path: PropertyKey[] }> = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; path: PropertyKey[] };
    if (typeof item.value === 'string') {
      if (!isStorableText(item.value)) {
        ctx.addIssue({ code: 'custom', path: item.path, message: 'must not contain NUL (\\u0000) or unpaired surrogate characters' });
        return;
      }
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > MAX_JSON_DEPTH) {
      ctx.addIssue({ code: 'custom', path: [], message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` });
      return;
    }
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(item.value) ? item.value.map((v, i) => [i, v]) : Object.entries(item.value);
    for (const [key, child] of entries.reverse()) {
      if (typeof key === 'string' && !isStorableText(key)) {
        ctx.addIssue({ code: 'custom', path: item.path, message: `a key must not contain NUL (\\u0000) or unpaired surrogate characters (key ${JSON.stringify(key)})` });
        return;
      }
      stack.push({ value: child, depth, path: [...item.path, key] });
    }
  }
}
