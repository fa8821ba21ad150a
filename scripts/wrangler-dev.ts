// Runs the Worker with `wrangler dev` (workerd, Durable Objects and alarms, locally).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface WranglerDevOptions {
  port: number;
  /** A dotenv file with the Worker's settings and secrets. */
  envFile: string;
  /** Where Durable Object state is kept between runs. */
  persistTo: string;
  /** Each line wrangler prints. */
  onLine: (line: string) => void;
  /** Called when wrangler exits without being asked to. */
  onExit: (reason: string) => void;
}

export interface WranglerDev {
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startWranglerDev(options: WranglerDevOptions): WranglerDev {
  const wranglerPackage = createRequire(import.meta.url).resolve('wrangler/package.json');
  const wrangler = path.join(path.dirname(wranglerPackage), 'bin', 'wrangler.js');
  let stopping = false;
  const child = spawn(
    process.execPath,
    [
      wrangler, 'dev',
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--env-file', options.envFile,
      '--persist-to', options.persistTo,
      '--show-interactive-dev-session=false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onLine(line);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.on('exit', (code, signal) => {
    if (!stopping) options.onExit(`wrangler dev exited (${signal ?? `code ${code}`})`);
  });
  return {
    child,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when `url` answers 200, or fails after `timeoutMs`. */
export async function waitForHealth(url: string, timeoutMs: number, stopped: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopped()) throw new Error('stopped while waiting for the Worker');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Worker did not answer ${url} within ${Math.round(timeoutMs / 1000)} s`);
}
