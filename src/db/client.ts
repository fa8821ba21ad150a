// The one place database clients are created. Everything speaks to PostgreSQL through the
// Neon serverless driver's Pool (PostgreSQL wire protocol over a WebSocket). Locally the
// WebSocket goes to our proxy (scripts/ws-proxy.ts) in plain text; in production to Neon.
import { neonConfig, Pool, type PoolClient } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export type Db = NeonDatabase<typeof schema>;

export interface PoolOptions {
  url: string;
  /** host:port of a local WebSocket-to-TCP proxy; undefined for Neon. */
  wsProxy: string | undefined;
  max: number;
  /** Where connection errors go; they must never be left unhandled (they crash the isolate). */
  onError: (message: string) => void;
}

let configuredProxy: string | undefined;

function configureDriver(wsProxy: string | undefined): void {
  if (wsProxy === undefined || configuredProxy === wsProxy) return;
  // neonConfig is global to the isolate; a deployment points all databases at one kind of host.
  neonConfig.wsProxy = (host, port) => `${wsProxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  configuredProxy = wsProxy;
}

export function createPool(options: PoolOptions): Pool {
  configureDriver(options.wsProxy);
  const pool = new Pool({
    connectionString: options.url,
    max: options.max,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 15_000,
  });
  // An idle client whose connection drops (server restart, proxy gone, Neon suspend) emits
  // here; the next checkout simply opens a new connection.
  pool.on('error', (e: Error) => options.onError(`idle connection closed: ${e.message}`));
  return pool;
}

/** The database's connection string with another role's credentials (same host and database). */
export function loginUrl(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export function createDb(pool: Pool): Db {
  return drizzle({ client: pool, schema });
}

/**
 * Checks out a client with an error listener attached for as long as it is held, so a
 * connection that closes mid-query rejects that query instead of crashing the isolate.
 */
export async function withClient<T>(
  pool: Pool,
  onError: (message: string) => void,
  use: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const listener = (e: Error) => {
    broken = true;
    onError(`connection closed: ${e.message}`);
  };
  client.on('error', listener);
  try {
    return await use(client);
  } catch (e) {
    // Whatever failed, the session may be in any state: never hand it to someone else.
    broken = true;
    throw e;
  } finally {
    client.removeListener('error', listener);
    client.release(broken);
  }
}

/**
 * True for errors that mean the connection itself is gone, not that a statement failed. An
 * error the server sent carries a SQLSTATE: only class 08 (connection exception) and the
 * shutdown codes count. Anything else the driver raised without one (socket closed, WebSocket
 * error, timeout connecting) is about the connection. Messages are never inspected: a job's
 * own error text may say anything. Wrapped errors (drizzle's) are judged by their cause.
 */
export function isConnectionError(e: unknown): boolean {
  let error = e;
  while (error instanceof Error && !sqlstateOf(error) && error.cause instanceof Error) error = error.cause;
  if (!(error instanceof Error)) return false;
  const sqlstate = sqlstateOf(error);
  if (sqlstate !== null) return /^(08|57P0[1-3])/.test(sqlstate);
  return error.name !== 'TypeError' && error.name !== 'RangeError' && error.name !== 'SyntaxError';
}

function sqlstateOf(e: Error): string | null {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
