import type { Config } from '../env';
import type { Master } from './master';

/**
 * The watchdog, run by the Worker's cron trigger every minute: makes sure the master of every
 * configured database serves it and has its alarm set, so a master whose alarm was lost (or
 * never set) starts ticking again. It does not make a master tick that is armed.
 */
export async function wakeAllMasters(namespace: DurableObjectNamespace<Master>, config: Config): Promise<void> {
  const results = await Promise.allSettled(
    [...config.databases.keys()].map((name) => namespace.get(namespace.idFromName(name)).ensureArmed(name)),
  );
  for (const [i, result] of results.entries()) {
    if (result.status === 'rejected') {
      const name = [...config.databases.keys()][i];
      console.error(`[watchdog] master of "${name}" did not answer: ${String(result.reason)}`);
    }
  }
}
