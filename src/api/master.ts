// The API's two uses of the database's master (the Durable Object): wake it after a change so it
// acts at once instead of at its next poll, and ask it how it is.
import type { Context } from 'hono';
import type { AppEnv } from './context';

function masterOf(c: Context<AppEnv>) {
  const name = c.get('database').name;
  return c.env.MASTER.get(c.env.MASTER.idFromName(name));
}

/** Wakes the request's master after the response; a failure is logged, never the caller's. */
export function wakeMaster(c: Context<AppEnv>): void {
  const name = c.get('database').name;
  const requestId = c.get('requestId');
  c.executionCtx.waitUntil(
    masterOf(c)
      .wake(name)
      .then(
        () => undefined,
        (e: unknown) => console.error(`[api] request ${requestId}: waking the master of "${name}" failed: ${String(e)}`),
      ),
  );
}

/** The master's status() as it reports it (its shape grows with the engine), or null if it did not answer. */
export async function masterStatus(c: Context<AppEnv>): Promise<Record<string, unknown> | null> {
  try {
    const status: unknown = await masterOf(c).status();
    return status !== null && typeof status === 'object' ? { ...status } : null;
  } catch (e) {
    console.error(`[api] request ${c.get('requestId')}: the master of "${c.get('database').name}" did not answer: ${String(e)}`);
    return null;
  }
}
