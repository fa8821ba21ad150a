import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';

/** The stub of the master serving the `main` database. */
export function mainMaster() {
  return env.MASTER.get(env.MASTER.idFromName('main'));
}

/** Fires the master's alarm now (as the platform would when it is due) and waits for the runs it started. */
export async function fireAlarm(): Promise<boolean> {
  const master = mainMaster();
  const ran = await runDurableObjectAlarm(master);
  await master.settle();
  return ran;
}
