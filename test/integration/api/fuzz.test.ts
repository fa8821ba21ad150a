// Generated malformed requests against every route of the real Worker: bad JSON, wrong types,
// huge values, unknown keys, bad schedules, bad ids and bad tokens; instants JavaScript cannot
// show (infinity, BC, year 0 or past 9999), long strings that do not compress (random, CJK),
// JSON nested past PostgreSQL's stack and NUL characters. None may get a 5xx, every error
// answers in the one error shape, and afterwards the scheduler still runs a job.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN, BOB_TOKEN } from '../../setup/tokens';
import { callApi } from '../support/api';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs } from './support/fixtures';
import { badInstant, cjk, deepText, expectNoServerError, expectSchedulerRunsAJob, incompressible, oddString, withNul } from './support/fuzz';

const ROUTES: Array<[method: string, path: string, hasBody: boolean]> = [
  ['GET', '/jobs', false],
  ['POST', '/jobs', true],
  ['GET', '/jobs/:id', false],
  ['PATCH', '/jobs/:id', true],
  ['DELETE', '/jobs/:id', false],
  ['PUT', '/jobs/by-name/:name', true],
  ['POST', '/jobs/:id/run', false],
  ['POST', '/jobs/:id/enable', false],
  ['POST', '/jobs/:id/disable', false],
  ['POST', '/jobs/:id/cancel', false],
  ['POST', '/submit', true],
  ['GET', '/runs', false],
  ['GET', '/runs/:id', false],
  ['GET', '/status', false],
  ['POST', '/pause', false],
  ['POST', '/resume', false],
];

const JOB_KEYS = ['name', 'schedule', 'cron', 'rule', 'date', 'dates', 'command', 'commands', 'use_same_transaction', 'run_as', 'start_date', 'end_date',
  'last_start_available', 'max_wait', 'max_run_time', 'max_instances', 'onrollback', 'fallback', 'next_time_statement', 'comments', 'timezone',
  'day_match', 'overlap', 'queue_limit', 'misfire', 'misfire_cap', 'retry', 'queue', 'priority', 'enabled', 'owner'];
const SUBMIT_KEYS = ['query', 'params', 'run_after', 'max_duration', 'max_wait_interval', 'depends_on', 'name', 'comments', 'resubmit_limit', 'run_as',
  'retry', 'queue', 'priority', 'fallback', 'delete_after_success', 'owner'];
const QUERY_KEYS = ['limit', 'cursor', 'job', 'status', 'since', 'until', 'owner', 'name', 'kind', 'state', 'enabled', 'queue', 'colour'];

const badCron = fc.constantFrom('61 * * * *', '* * * *', '* * * * * * *', '@every 0 seconds', '@every', '0 0 31 2 *', 'every full moon', '*/0 * * * *',
  '1-0 * * * *', 'L L L L L', '99999999999999999999 * * * *', '@reboot now', '', ' ', '\u0000', '* * * * 8', '@after -1 minute');
const hugeValue = fc.constantFrom(1e308, -1e308, 2 ** 53, -(2 ** 31) - 1, 2 ** 31, 1.5, -0, 'x'.repeat(70_000), '9'.repeat(400), [], {}, null);
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hugeValue, oddString, badCron);
const jobLike = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 });
const withUnknown = (keys: string[]) =>
  fc.tuple(jobLike(keys), fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { minKeys: 1, maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a }));

const badJson = fc.oneof(
  fc.string().filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{', '{"cron": "* * * * *",}', "{'cron': 1}", '[1,2', 'NaN', '{"a":1}{"b":2}', '\uFEFF{}', 'nul'),
);
const body = fc.oneof(
  badJson,
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  jobLike(JOB_KEYS).map((v) => JSON.stringify(v)),
  withUnknown(JOB_KEYS).map((v) => JSON.stringify(v)),
  jobLike(SUBMIT_KEYS).map((v) => JSON.stringify(v)),
  withUnknown(SUBMIT_KEYS).map((v) => JSON.stringify(v)),
  fc.record({ cron: badCron, command: fc.constant('SELECT 1') }).map((v) => JSON.stringify(v)),
  fc.record({ query: oddString, params: fc.array(value, { maxLength: 3 }), depends_on: fc.array(value, { maxLength: 3 }), run_after: oddString }).map((v) =>
    JSON.stringify(v),
  ),
  // Well-formed jobs but for one key, so the bad value gets past the key checks to the database.
  fc.record({ key: fc.constantFrom(...SUBMIT_KEYS), value: oddString }).map(({ key, value }) => JSON.stringify({ query: 'SELECT 1', [key]: value })),
  fc.record({ key: fc.constantFrom(...JOB_KEYS), value: fc.oneof(oddString, fc.array(badInstant, { minLength: 1, maxLength: 3 })) }).map(({ key, value }) =>
    JSON.stringify({ cron: '0 3 1 1 *', command: 'SELECT 1', [key]: value }),
  ),
  fc.record({ key: fc.constantFrom(...SUBMIT_KEYS, ...JOB_KEYS), deep: deepText }).map(({ key, deep }) => `{"query": "SELECT 1", "${key}": ${deep}}`),
  deepText.map((deep) => `{"query": "SELECT $1", "params": [${deep}]}`),
  deepText.map((deep) => `{"command": "SELECT 1", "rule": {"minutes": [0], "x": ${deep}}}`),
  fc.record({ cron: fc.constant('0 3 1 1 *'), command: fc.constant('SELECT 1'), name: fc.oneof(incompressible, cjk, withNul) }).map((v) => JSON.stringify(v)),
  fc.constant(JSON.stringify({ comments: 'x'.repeat(300 * 1024) })),
);
const id = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map(String),
  fc.constantFrom('0', '-1', '1.5', '1e3', 'abc', '%00', '%2e%2e', '9007199254740992', '99999999999999999999', '١٢', '0x10', ' 1', '1%20', 'null'),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);
const query = fc
  .dictionary(fc.constantFrom(...QUERY_KEYS), fc.oneof(oddString, badInstant, withNul, fc.integer().map(String), fc.constantFrom('-1', '0', '1001', 'true', 'queued,bogus', '')), {
    maxKeys: 3,
  })
  .map((q) => {
    const text = new URLSearchParams(q).toString();
    return text ? `?${text}` : '';
  });
const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(ADMIN_TOKEN, ALICE_TOKEN, BOB_TOKEN) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'garbage', `${ADMIN_TOKEN} extra`) },
);
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=latin1', 'multipart/form-data') },
);

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  id,
  name: fc.oneof(fc.constantFrom('nightly', 'a/b', '..', ''), fc.string({ maxLength: 30 }), withNul, cjk, incompressible.map((s) => s.slice(0, 1000))).map(encodeURIComponent),
  db: fc.oneof({ weight: 9, arbitrary: fc.constant('main') }, { weight: 1, arbitrary: fc.constantFrom('other', 'MAIN', '%00', 'a'.repeat(300)) }),
  query,
  body,
  token,
  contentType,
});

describe('fuzzing every route with malformed requests', () => {
  let sent = 0;
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
    for (const owner of ['postgres', 'alice', 'bob']) await insertJobAs(owner, { name: `seed-${owner}` });
  });
  afterAll(async () => {
    // A generated admin POST /pause must not leave the scheduler paused for the next test file.
    await sql('UPDATE edgecron.settings SET paused = false');
    await resetDatabase();
  });

  it('never answers a 5xx, and answers every error in the one shape', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, template, hasBody] = r.route;
        const path = `/v1/databases/${r.db}${template.replace(':id', r.id).replace(':name', r.name || 'x')}${r.query}`;
        const headers: Record<string, string> = {};
        if (hasBody && r.contentType !== undefined) headers['Content-Type'] = r.contentType;
        const response = await callApi(path, { method, token: r.token, headers, body: hasBody ? r.body : undefined });
        sent++;
        const text = await response.text();
        const where = `${method} ${path.slice(0, 200)} ${hasBody ? r.body.slice(0, 200) : ''} → ${response.status} ${text.slice(0, 300)}`;
        expectNoServerError(response.status, text, where);
      }),
      { numRuns: 600, endOnFailure: true },
    );
    expect(sent).toBeGreaterThanOrEqual(500);
  });

  it('leaves the scheduler working: a job submitted after the fuzz runs and succeeds', async () => {
    await expectSchedulerRunsAJob();
  });
});
