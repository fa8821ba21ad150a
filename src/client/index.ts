// A typed client for the edgecron HTTP API. Request and response types come from the zod
// schemas the API validates with (type imports only: this file has no runtime dependencies and
// runs wherever `fetch` does: Node 18+, browsers, Workers, Deno, Bun).
import type { z } from 'zod';
import type { JobDetail, JobList, JobWithFires } from '../api/schemas/job';
import type { CreateJobBody, PatchJobBody } from '../api/schemas/job-keys';
import type { Run, RunList, RunStatus } from '../api/schemas/run';
import type { SubmitBody, SubmitResponse } from '../api/schemas/submit';

export type CreateJobInput = z.input<typeof CreateJobBody>;
export type UpdateJobInput = z.input<typeof PatchJobBody>;
export type SubmitInput = z.input<typeof SubmitBody>;
export type Submitted = z.infer<typeof SubmitResponse>;
export type Job = z.infer<typeof JobWithFires>;
export type JobWithRuns = z.infer<typeof JobDetail>;
export type JobPage = z.infer<typeof JobList>;
export type RunRecord = z.infer<typeof Run>;
export type RunPage = z.infer<typeof RunList>;
export type RunStatusName = z.infer<typeof RunStatus>;

export interface EdgecronClientOptions {
  /** Where the Worker answers, e.g. `https://edgecron.example.workers.dev`. */
  baseUrl: string;
  /** A bearer token from EDGECRON_TOKENS. */
  token: string;
  /** The configured database name; default `main`. */
  database?: string;
  /** A fetch to use instead of the global one (tests, service bindings, proxies). */
  fetch?: (request: Request) => Promise<Response>;
}

export interface JobFilter {
  name?: string;
  kind?: 'recurring' | 'one_time';
  state?: 'active' | 'broken' | 'done';
  enabled?: boolean;
  queue?: string;
  /** Admin tokens: only this role's jobs. */
  owner?: string;
  limit?: number;
  cursor?: string;
}

export interface RunFilter {
  job?: number;
  status?: RunStatusName | RunStatusName[];
  since?: Date | string;
  until?: Date | string;
  /** Admin tokens: only this role's runs. */
  owner?: string;
  limit?: number;
  cursor?: string;
}

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Time between polls (default 500 ms). */
  intervalMs?: number;
  /**
   * The job was submitted with `delete_after_success`, so a 404 means it succeeded (default:
   * known for jobs this client submitted, and for jobs seen with it while waiting).
   */
  deleteAfterSuccess?: boolean;
}

/**
 * The outcome of a job submitted with `delete_after_success` that succeeded: the scheduler
 * deleted it, with its runs, in the same transaction that recorded the success, so nothing of
 * it is left to read. `last_seen` is the job as waitForJob last saw it (null if it was already
 * gone at the first poll).
 */
export interface DeletedJobOutcome {
  id: number;
  status: 'succeeded';
  finished: true;
  deleted: true;
  runs: RunRecord[];
  last_seen: JobWithRuns | null;
}

/** What waitForJob answers: the finished job with its runs, or the success of a deleted one. */
export type JobOutcome = (JobWithRuns & { deleted?: false }) | DeletedJobOutcome;

/** How many ids of jobs submitted with delete_after_success a client remembers for waitForJob. */
const REMEMBERED_DELETIONS = 10_000;

/** An error answer of the API: its HTTP status and the body's code, message and details. */
export class EdgecronError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'EdgecronError';
  }
}

/** waitForJob gave up: the job had not finished within `timeoutMs`. `job` is its last state. */
export class EdgecronTimeoutError extends Error {
  constructor(readonly job: JobWithRuns) {
    super(`job ${job.id} has not finished (status ${job.status})`);
    this.name = 'EdgecronTimeoutError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const instant = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);

export function createEdgecronClient(options: EdgecronClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const db = `/v1/databases/${encodeURIComponent(options.database ?? 'main')}`;
  const send = options.fetch ?? ((request: Request) => fetch(request));
  // Jobs this client submitted with delete_after_success, oldest first: a 404 while waiting for
  // one means it succeeded, even when it was gone before the first poll.
  const deletedOnSuccess = new Set<number>();

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers = new Headers({ Authorization: `Bearer ${options.token}`, Accept: 'application/json' });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const response = await send(new Request(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new EdgecronError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}: ${text.slice(0, 200)}`, error?.details);
    }
    return parsed as T;
  }

  const client = {
    /** Submits a one-time job (pgpro_scheduler's submit_job); the master is woken at once. */
    async submit(input: SubmitInput): Promise<Submitted> {
      const submitted = await call<Submitted>('POST', `${db}/submit`, input);
      if (input.delete_after_success === true) {
        deletedOnSuccess.add(submitted.id);
        if (deletedOnSuccess.size > REMEMBERED_DELETIONS) deletedOnSuccess.delete(deletedOnSuccess.values().next().value as number);
      }
      return submitted;
    },
    /** Creates a recurring job; the answer includes its next five fire times. */
    createJob: (input: CreateJobInput) => call<Job>('POST', `${db}/jobs`, input),
    /** Creates the job `name`, or replaces the token's job of that name with `input` (idempotent). */
    upsertJobByName: (name: string, input: Omit<CreateJobInput, 'name'>) =>
      call<Job>('PUT', `${db}/jobs/by-name/${encodeURIComponent(name)}`, input),
    /** Changes the given keys of a job. */
    updateJob: (id: number, changes: UpdateJobInput) => call<Job>('PATCH', `${db}/jobs/${id}`, changes),
    deleteJob: (id: number) => call<void>('DELETE', `${db}/jobs/${id}`),
    /** The job with its status, next fires and latest runs. */
    getJob: (id: number) => call<JobWithRuns>('GET', `${db}/jobs/${id}`),
    listJobs: (filter: JobFilter = {}) => call<JobPage>('GET', `${db}/jobs${queryString({ ...filter })}`),
    /** Queues a run now, beside the schedule. */
    runJob: (id: number) => call<RunRecord>('POST', `${db}/jobs/${id}/run`),
    enableJob: (id: number) => call<Job>('POST', `${db}/jobs/${id}/enable`),
    disableJob: (id: number) => call<Job>('POST', `${db}/jobs/${id}/disable`),
    cancelJob: (id: number) => call<JobWithRuns>('POST', `${db}/jobs/${id}/cancel`),
    listRuns: (filter: RunFilter = {}) =>
      call<RunPage>(
        'GET',
        `${db}/runs${queryString({
          ...filter,
          status: Array.isArray(filter.status) ? filter.status.join(',') : filter.status,
          since: instant(filter.since),
          until: instant(filter.until),
        })}`,
      ),
    getRun: (id: number) => call<RunRecord>('GET', `${db}/runs/${id}`),
    /** The master's report, the settings and the heartbeats. */
    status: () => call<Record<string, unknown>>('GET', `${db}/status`),
    pause: () => call<{ paused: boolean }>('POST', `${db}/pause`),
    resume: () => call<{ paused: boolean }>('POST', `${db}/resume`),

    /**
     * Polls the job until it has finished (`finished`: a one-time job ran to its outcome, or the
     * job is broken) and returns it with its runs; EdgecronTimeoutError after `timeoutMs`.
     * A job with `delete_after_success` is deleted with its runs when it succeeds: waitForJob
     * then answers a DeletedJobOutcome (`deleted: true`, `status: "succeeded"`), provided it
     * knows the job was one (submitted by this client, seen while waiting, or
     * `deleteAfterSuccess`); otherwise a vanished job is the EdgecronError 404 of any missing job.
     */
    async waitForJob(id: number, wait: WaitOptions = {}): Promise<JobOutcome> {
      const deadline = Date.now() + (wait.timeoutMs ?? 60_000);
      let lastSeen: JobWithRuns | null = null;
      for (;;) {
        let job: JobWithRuns;
        try {
          job = await client.getJob(id);
        } catch (e) {
          const deletes = wait.deleteAfterSuccess ?? (deletedOnSuccess.has(id) || lastSeen?.delete_after_success === true);
          if (!(e instanceof EdgecronError && e.status === 404 && deletes)) throw e;
          deletedOnSuccess.delete(id);
          return { id, status: 'succeeded', finished: true, deleted: true, runs: [], last_seen: lastSeen };
        }
        if (job.finished) {
          deletedOnSuccess.delete(id);
          return job;
        }
        lastSeen = job;
        if (Date.now() >= deadline) throw new EdgecronTimeoutError(job);
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait.intervalMs ?? 500, Math.max(0, deadline - Date.now()))));
      }
    },

    /** Every run matching `filter`, newest first, fetched a page at a time. */
    async *runs(filter: Omit<RunFilter, 'cursor'> = {}): AsyncGenerator<RunRecord> {
      let cursor: string | undefined;
      do {
        const page = await client.listRuns({ ...filter, cursor });
        yield* page.runs;
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
    },
  };
  return client;
}

export type EdgecronClient = ReturnType<typeof createEdgecronClient>;
