// A PostgreSQL 15 server from Debian's packages with pg_cron preloaded, for benchmarks that
// compare edgecron with pg_cron on the same server. Not part of npm test or CI: it needs
//   apt-get install postgresql-15 postgresql-15-cron
// Local trust authentication on 127.0.0.1 only (a throwaway cluster in a temporary folder).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

const BIN = process.env.EDGECRON_PG15_BIN ?? '/usr/lib/postgresql/15/bin';

export interface DebianPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Whether the Debian server and pg_cron are installed; the reason when not. */
export function debianPgCronMissing(): string | null {
  if (!existsSync(path.join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 at ${BIN}`;
  if (!existsSync('/usr/lib/postgresql/15/lib/pg_cron.so')) return 'pg_cron for PostgreSQL 15 is not installed';
  return null;
}

export async function startDebianPostgres(options: { dir: string; port: number }): Promise<DebianPostgres> {
  const data = path.join(options.dir, 'data');
  await mkdir(options.dir, { recursive: true });
  const asPostgres = (command: string, args: string[]) => {
    // PostgreSQL refuses to run as root: run its programs as the unprivileged postgres user.
    if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
    else execFileSync(command, args, { stdio: 'pipe' });
  };
  if (process.getuid?.() === 0) {
    await chmod(path.dirname(options.dir), 0o755);
    execFileSync('chown', ['postgres', options.dir]);
  }
  asPostgres(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C']);
  await appendFile(
    path.join(data, 'postgresql.conf'),
    [
      `listen_addresses = '127.0.0.1'`,
      `port = ${options.port}`,
      `unix_socket_directories = '${options.dir}'`,
      `max_connections = 200`,
      `fsync = off`,
      `shared_preload_libraries = 'pg_cron'`,
      `cron.database_name = 'postgres'`,
      `cron.host = '127.0.0.1'`,
      '',
    ].join('\n'),
  );
  asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-l', path.join(options.dir, 'server.log'), '-w', 'start']);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      await rm(options.dir, { recursive: true, force: true });
    },
  };
}
