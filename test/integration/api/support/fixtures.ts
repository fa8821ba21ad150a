// Test data for the API tests: jobs and runs written with plain SQL (as a DBA or the engine
// would), so reads are tested apart from the SQL functions; and calls with other bindings.
// The roles tokens act as come from ../../support/roles.ts (ensureTestRoles).
import { callApi } from '../../support/api';
import { sql } from '../../support/database';

/** Inserts a job owned by `owner` with plain SQL and returns its id. */
export async function insertJobAs(
  owner: string,
  fields: { name?: string; schedule?: string | null; command?: string; enabled?: boolean; run_after?: string } = {},
): Promise<number> {
  const [row] = await sql<{ id: string }>(
    `INSERT INTO edgecron.job (owner, name, schedule, command, enabled, run_after)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      owner,
      fields.name ?? null,
      fields.schedule === undefined ? '0 3 * * *' : fields.schedule,
      fields.command ?? 'SELECT 1',
      fields.enabled ?? true,
      fields.run_after ?? null,
    ],
  );
  return Number(row!.id);
}

/** Inserts a run of `jobId` as the engine would record it, and returns its id. */
export async function insertRun(
  jobId: number,
  fields: { scheduled_for: string; status?: string; error?: object; result?: object },
): Promise<number> {
  const [row] = await sql<{ id: string }>(
    `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, error, result)
     SELECT $1, owner, $2, $3, $4, $5 FROM edgecron.job WHERE id = $1 RETURNING id`,
    [jobId, fields.scheduled_for, fields.status ?? 'succeeded', fields.error ?? null, fields.result ?? null],
  );
  return Number(row!.id);
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Calls the API with a JSON body (when given) and returns the status and parsed body. */
export async function request<T = unknown>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const hasBody = options.body !== undefined;
  const response = await callApi(path, {
    method,
    token: options.token,
    headers: { ...(hasBody ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
    body: hasBody ? (typeof options.body === 'string' ? options.body : JSON.stringify(options.body)) : undefined,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the docs page, an empty 204): the text itself.
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** Calls the Worker with some bindings replaced (other token tables, no tokens at all). */
export async function callWithBindings(
  bindings: Record<string, string | undefined>,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const { env } = await import('cloudflare:workers');
  const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
  const { default: worker } = await import('../../../../src/index');
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  const ctx = createExecutionContext();
  const request = new Request(`http://edgecron.test${path}`, { ...rest, headers }) as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(request, { ...env, ...bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
