// Typed, validated configuration, parsed once per isolate from the Worker's bindings.
// Domain code never reads `env`: entry points parse it here and pass what is needed on.
import { z } from 'zod';
import { err, ok, type Result } from './result';

// Short enough that "edgecron <name> run <id>" fits in application_name (63 bytes).
const DATABASE_NAME = /^[a-z][a-z0-9_-]{0,29}$/;

const TokenGrant = z
  .object({
    role: z.string().min(1),
    admin: z.boolean().default(false),
    databases: z.array(z.string()).optional(),
  })
  .strict();
export type TokenGrant = z.infer<typeof TokenGrant>;

const TokenTable = z.record(z.string().min(1), TokenGrant);

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

export interface Config {
  databases: ReadonlyMap<string, DatabaseConfig>;
  /** host:port of the local WebSocket-to-TCP proxy; set only for a local database. */
  wsProxy: string | undefined;
  /** Token (or `sha256:<hex digest>`) to grant. Empty means the API refuses data routes. */
  tokens: ReadonlyMap<string, TokenGrant>;
}

export interface ConfigError {
  code: 'misconfigured';
  /** Names the setting and what is wrong; never contains a secret's value. */
  message: string;
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
      return err({
        code: 'misconfigured',
        message: `EDGECRON_DATABASE_URLS: database name "${name}" must match ${DATABASE_NAME.source}`,
      });
    }
    databases.set(name, { name, url, jobLogins: loginsOf(name) });
  }
  for (const name of Object.keys(logins.value ?? {})) {
    if (!databases.has(name)) {
      return err({ code: 'misconfigured', message: `EDGECRON_JOB_LOGINS: "${name}" is not a configured database` });
    }
  }

  const tokens = new Map<string, TokenGrant>();
  for (const setting of ['EDGECRON_TOKENS', 'EDGECRON_DEV_TOKENS']) {
    const table = jsonSetting(env, setting, TokenTable);
    if (!table.ok) return table;
    for (const [token, grant] of Object.entries(table.value ?? {})) tokens.set(token, grant);
  }

  return ok({ databases, wsProxy: stringSetting(env, 'EDGECRON_WS_PROXY'), tokens });
}

function stringSetting(env: Record<string, unknown>, name: string): string | undefined {
  const value = env[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function jsonSetting<T>(
  env: Record<string, unknown>,
  name: string,
  schema: z.ZodType<T>,
): Result<T | undefined, ConfigError> {
  const raw = stringSetting(env, name);
  if (raw === undefined) return ok(undefined);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return err({ code: 'misconfigured', message: `${name}: not valid JSON` });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // Paths only: a token is a key of EDGECRON_TOKENS, so keys are not echoed back.
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 1 ? ` at "${String(issue.path.slice(1).join('.'))}"` : '';
    return err({ code: 'misconfigured', message: `${name}: ${issue?.message ?? 'invalid'}${where}` });
  }
  return ok(parsed.data);
}
