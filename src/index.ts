// The Worker's switchboard: HTTP goes to the API, the cron trigger to the watchdog.
import { createApp } from './api/app';
import { readConfig } from './env';
import { wakeAllMasters } from './master/watchdog';

export { Master } from './master/master';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),

  async scheduled(_controller, env, ctx) {
    const config = readConfig(env as unknown as Record<string, unknown>);
    if (!config.ok) {
      console.error(`[watchdog] ${config.error.message}`);
      return;
    }
    ctx.waitUntil(wakeAllMasters(env.MASTER, config.value));
  },
} satisfies ExportedHandler<Env>;
