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
  /** Shown in pg_stat_activity (sent at connect, so it costs no round trip). */
  applicationName?: string;
  /** Server-side limits for every session of the pool, sent at connect (see SessionLimits). */
  limits?: SessionLimits;
}

/**
 * Limits for the sessions of a pool, in milliseconds, set as startup parameters so they hold
 * from the first statement at no extra round trip (a direct connection, which edgecron needs
 * anyway for SET ROLE, accepts them; a transaction-mode pooler may refuse them).
 */
export interface SessionLimits {
  /** statement_timeout: a statement still running after this is canceled by the server. */
  statementMs: number;
  /** lock_timeout: a statement waiting this long for a lock fails (SQLSTATE 55P03). */
  lockMs: number;
  /** idle_in_transaction_session_timeout: a transaction left open this long is ended by the server. */
  idleInTransactionMs: number;
  /** The driver's own limit, for a connection that went silent (the server cannot enforce it then). */
  queryMs: number;
}

let configuredProxy: string | undefined;
let socketGuarded = false;

function configureDriver(wsProxy: string | undefined): void {
  if (!socketGuarded && typeof WebSocket === 'function') {
    neonConfig.webSocketConstructor = closedSendDropping(WebSocket);
    socketGuarded = true;
  }
  if (wsProxy === undefined || configuredProxy === wsProxy) return;
  // neonConfig is global to the isolate; a deployment points all databases at one kind of host.
  neonConfig.wsProxy = (host, port) => `${wsProxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  configuredProxy = wsProxy;
}

/**
 * The platform's WebSocket, except that a write to one that is closing or closed is dropped.
 * The driver coalesces writes and sends them from a timer: when the server has just ended the
 * connection (a terminated backend, a restart), that send throws from the timer, where nothing
 * can catch it. The write belonged to a query that fails with the connection anyway.
 */
function closedSendDropping(Base: typeof WebSocket): typeof WebSocket {
  return class extends Base {
    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (this.readyState === Base.CLOSING || this.readyState === Base.CLOSED) return;
      super.send(data);
    }
  };
}

export function createPool(options: PoolOptions): Pool {
  configureDriver(options.wsProxy);
  const limits = options.limits;
  const pool = new Pool({
    connectionString: options.url,
    max: options.max,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 15_000,
    ...(options.applicationName !== undefined ? { application_name: options.applicationName } : {}),
    ...(limits
      ? {
          statement_timeout: limits.statementMs,
          lock_timeout: limits.lockMs,
          idle_in_transaction_session_timeout: limits.idleInTransactionMs,
          query_timeout: limits.queryMs,
        }
      : {}),
  });
  // An idle client whose connection drops (server restart, proxy gone, Neon suspend) emits
  // here; the next checkout simply opens a new connection.
  pool.on('error', (e: Error) => options.onError(`idle connection closed: ${e.message}`));
  // The pool removes its own listener from a client it hands out, so a connection that ends
  // while checked out (mid-transaction, or between two statements of one) would emit 'error'
  // to nobody, which crashes the isolate. Every checkout (pool.query, connect(), drizzle's
  // transactions, withClient) gets this one while it is held; its query is rejected instead,
  // and the pool discards the client when it comes back (it is no longer queryable).
  const checkedOut = (e: Error) => options.onError(`connection closed: ${e.message}`);
  pool.on('acquire', (client: PoolClient) => client.on('error', checkedOut));
  pool.on('release', (_error: unknown, client: PoolClient) => client.removeListener('error', checkedOut));
  return pool;
}

/** The database's connection string with another role's credentials (same host and database). */
export function loginUrl(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/**
 * drizzle over the pool. Its transactions run through withClient: a connection whose
 * transaction failed is closed (the server rolls back), never handed to the next caller.
 */
export function createDb(pool: Pool): Db {
  const db = drizzle({ client: pool, schema });
  const transaction: Db['transaction'] = (work, config) =>
    withClient(pool, (client) => drizzle({ client, schema }).transaction(work, config));
  return Object.assign(db, { transaction });
}

/**
 * Checks out a client for `use` (the pool's per-checkout error listener guards it: see
 * createPool) and gives it back, or closes it if anything failed while it was held.
 */
export async function withClient<T>(pool: Pool, use: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    return await use(client);
  } catch (e) {
    // Whatever failed, the session may be in any state: never hand it to someone else.
    broken = true;
    throw e;
  } finally {
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
