// Typed, validated configuration, parsed once per isolate from the Worker's bindings.
// Domain code never reads `env`: entry points parse it here and pass what is needed on.
import { z } from 'zod';
import { err, ok, type Result } from './result';

// Short enough that "edgecron <name> run <id>" fits in application_name (63 bytes).
const DATABASE_NAME = /^[a-z][a-z0-9_-]{0,29}$/;
const SHA256_ENTRY = /^sha256:[0-9a-fA-F]{64}$/;

const TokenGrant = z
  .object({
    role: z.string().min(1),
    admin: z.boolean().default(false),
    databases: z.array(z.string()).optional(),
  })
  .strict();
export type TokenGrant = z.infer<typeof TokenGrant>;

/** EDGECRON_JOB_LOGINS: {"<database>": {"<role>": "<password>"}}. */
const JobLogins = z.record(z.string(), z.record(z.string().min(1), z.string().min(1)));

export interface DatabaseConfig {
  name: string;
  url: string;
  /**
   * Passwords of job roles that log in as themselves (EDGECRON_JOB_LOGINS): their runs connect
   * as the role instead of the executor switching to it with SET ROLE, so a job cannot leave
   * its role (RESET ROLE returns to the role itself).
   */
  jobLogins: ReadonlyMap<string, string>;
}

export interface ConfigError {
  code: 'misconfigured';
  /** Names the setting and what is wrong; never contains a secret's value. */
  message: string;
}

export interface Config {
  databases: ReadonlyMap<string, DatabaseConfig>;
  /** host:port of the local WebSocket-to-TCP proxy; set only for a local database. */
  wsProxy: string | undefined;
  /**
   * Token (or `sha256:<64 hex digits>`) to grant; empty means the API refuses data routes. A
   * malformed token table is an error of the API alone: the masters and the watchdog, which
   * need only the databases, go on scheduling.
   */
  tokens: Result<ReadonlyMap<string, TokenGrant>, ConfigError>;
}

const cache = new WeakMap<object, Result<Config, ConfigError>>();

/** Parses the bindings once per env object (once per isolate in practice). */
export function readConfig(env: Record<string, unknown>): Result<Config, ConfigError> {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = parseConfig(env);
  cache.set(env, parsed);
  return parsed;
}

function parseConfig(env: Record<string, unknown>): Result<Config, ConfigError> {
  const databases = new Map<string, DatabaseConfig>();
  const logins = jsonSetting(env, 'EDGECRON_JOB_LOGINS', JobLogins);
  if (!logins.ok) return logins;
  const loginsOf = (name: string) => new Map(Object.entries(logins.value?.[name] ?? {}));
  const mainUrl = stringSetting(env, 'DATABASE_URL');
  if (mainUrl) databases.set('main', { name: 'main', url: mainUrl, jobLogins: loginsOf('main') });

  const extra = jsonSetting(env, 'EDGECRON_DATABASE_URLS', z.record(z.string(), z.string().min(1)));
  if (!extra.ok) return extra;
  for (const [name, url] of Object.entries(extra.value ?? {})) {
    if (!DATABASE_NAME.test(name)) {
      return misconfigured(`EDGECRON_DATABASE_URLS: database name "${name}" must match ${DATABASE_NAME.source}`);
    }
    databases.set(name, { name, url, jobLogins: loginsOf(name) });
  }
  for (const name of Object.keys(logins.value ?? {})) {
    if (!databases.has(name)) {
      return misconfigured(`EDGECRON_JOB_LOGINS: "${name}" is not a configured database`);
    }
  }

  const wsProxy = stringSetting(env, 'EDGECRON_WS_PROXY');
  return ok({ databases, wsProxy, tokens: parseTokens(env, databases, wsProxy) });
}

/**
 * EDGECRON_TOKENS, and EDGECRON_DEV_TOKENS beside the local proxy: a deployment has no
 * EDGECRON_WS_PROXY, so dev tokens left in its secrets grant nothing there.
 */
function parseTokens(
  env: Record<string, unknown>,
  databases: ReadonlyMap<string, DatabaseConfig>,
  wsProxy: string | undefined,
): Result<ReadonlyMap<string, TokenGrant>, ConfigError> {
  const settings = ['EDGECRON_TOKENS'];
  if (wsProxy !== undefined) settings.push('EDGECRON_DEV_TOKENS');
  else if (stringSetting(env, 'EDGECRON_DEV_TOKENS') !== undefined) {
    console.warn('[config] EDGECRON_DEV_TOKENS is ignored: it is for local use, beside EDGECRON_WS_PROXY, which is not set');
  }
  const tokens = new Map<string, TokenGrant>();
  for (const setting of settings) {
    const table = jsonValue(env, setting);
    if (!table.ok) return table;
    if (table.value === undefined) continue;
    if (table.value === null || typeof table.value !== 'object' || Array.isArray(table.value)) {
      return misconfigured(`${setting}: must be a JSON object {"<token>": {"role": "...", "admin": false}}`);
    }
    let position = 0;
    for (const [token, raw] of Object.entries(table.value)) {
      const grant = parseGrant(setting, ++position, token, raw, databases);
      if (!grant.ok) return grant;
      tokens.set(token, grant.value);
    }
  }
  return ok(tokens);
}

/** One entry of a token table. Errors name the entry by position and role, never by its token. */
function parseGrant(
  setting: string,
  position: number,
  token: string,
  raw: unknown,
  databases: ReadonlyMap<string, DatabaseConfig>,
): Result<TokenGrant, ConfigError> {
  const role = raw !== null && typeof raw === 'object' && 'role' in raw && typeof raw.role === 'string' && raw.role !== '' ? raw.role : undefined;
  const entry = `${setting}: entry ${position}${role === undefined ? '' : ` (role ${JSON.stringify(role)})`}`;
  if (token === '') return misconfigured(`${entry}: the token is empty`);
  // A digest entry that is not one must not fall back to being a plaintext token: "sha256:zz"
  // would then be a valid bearer token, known to anyone who can read the configuration.
  if (token.startsWith('sha256:') && !SHA256_ENTRY.test(token)) {
    return misconfigured(`${entry}: starts with "sha256:" but is not followed by 64 hex digits (the SHA-256 digest of the token)`);
  }
  const parsed = TokenGrant.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    return misconfigured(`${entry}: ${path}${issue?.message ?? 'invalid'}`);
  }
  const unknown = parsed.data.databases?.find((name) => !databases.has(name));
  if (unknown !== undefined) {
    const configured = [...databases.keys()].join(', ') || 'none';
    return misconfigured(`${entry}: databases: ${JSON.stringify(unknown)} is not a configured database (configured: ${configured})`);
  }
  return ok(parsed.data);
}

const misconfigured = (message: string): Result<never, ConfigError> => err({ code: 'misconfigured', message });

function stringSetting(env: Record<string, unknown>, name: string): string | undefined {
  const value = env[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The parsed JSON of a setting; the message never quotes the text, which may hold secrets. */
function jsonValue(env: Record<string, unknown>, name: string): Result<unknown, ConfigError> {
  const raw = stringSetting(env, name);
  if (raw === undefined) return ok(undefined);
  try {
    return ok(JSON.parse(raw) as unknown);
  } catch {
    return misconfigured(`${name}: not valid JSON`);
  }
}

/** A JSON setting checked against `schema`; the message names paths below the top level only. */
function jsonSetting<T>(env: Record<string, unknown>, name: string, schema: z.ZodType<T>): Result<T | undefined, ConfigError> {
  const value = jsonValue(env, name);
  if (!value.ok) return value;
  if (value.value === undefined) return ok(undefined);
  const parsed = schema.safeParse(value.value);
  if (!parsed.success) {
    // Paths only, below the first key: the values (connection strings, passwords) are secrets.
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 1 ? ` at "${String(issue.path.slice(1).join('.'))}"` : '';
    return misconfigured(`${name}: ${issue?.message ?? 'invalid'}${where}`);
  }
  return ok(parsed.data);
}
