import { describe, expect, it } from 'vitest';
import { request } from './support/fixtures';

const ROUTES = [
  ['get', '/healthz'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
  ['post', '/v1/schedule/preview'],
  ['get', '/v1/databases/{db}/jobs'],
  ['post', '/v1/databases/{db}/jobs'],
  ['get', '/v1/databases/{db}/jobs/{id}'],
  ['patch', '/v1/databases/{db}/jobs/{id}'],
  ['delete', '/v1/databases/{db}/jobs/{id}'],
  ['put', '/v1/databases/{db}/jobs/by-name/{name}'],
  ['post', '/v1/databases/{db}/jobs/{id}/run'],
  ['post', '/v1/databases/{db}/jobs/{id}/enable'],
  ['post', '/v1/databases/{db}/jobs/{id}/disable'],
  ['post', '/v1/databases/{db}/jobs/{id}/cancel'],
  ['post', '/v1/databases/{db}/submit'],
  ['get', '/v1/databases/{db}/runs'],
  ['get', '/v1/databases/{db}/runs/{id}'],
  ['get', '/v1/databases/{db}/status'],
  ['post', '/v1/databases/{db}/pause'],
  ['post', '/v1/databases/{db}/resume'],
] as const;

interface Operation {
  parameters?: Array<{ name: string }>;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, unknown>;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { maximum?: number; maxLength?: number }>; additionalProperties?: boolean }> };
}

describe('the API description', () => {
  it('lists every route in /openapi.json without a token', async () => {
    const { status, body } = await request<Document>('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const listed = Object.entries(body.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(listed.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    expect(body.paths['/v1/databases/{db}/jobs/{id}']?.get?.parameters?.map((p) => p.name)).toEqual(['db', 'id']);
    expect(body.paths['/v1/databases/{db}/jobs']?.get?.security).toEqual([{ bearer: [] }]);
  });

  it('documents the create keys from the schema that validates them', async () => {
    const { body } = await request<Document>('GET', '/openapi.json');
    const create = body.components.schemas.CreateJob;
    expect(create?.additionalProperties).toBe(false);
    expect(Object.keys(create?.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'cron', 'rule', 'date', 'dates', 'command', 'commands', 'use_same_transaction', 'run_as',
        'start_date', 'end_date', 'last_start_available', 'max_run_time', 'max_instances', 'onrollback', 'next_time_statement',
        'comments', 'schedule', 'timezone', 'overlap', 'misfire', 'retry', 'queue', 'priority', 'fallback', 'enabled']),
    );
    expect(Object.keys(body.components.schemas.SubmitJob?.properties ?? {})).toEqual(
      expect.arrayContaining(['query', 'params', 'run_after', 'max_duration', 'max_wait_interval', 'depends_on', 'name', 'comments', 'resubmit_limit', 'run_as']),
    );
  });

  it('documents the preview body from the schema that validates it', async () => {
    const { body } = await request<Document>('GET', '/openapi.json');
    const operation = body.paths['/v1/schedule/preview']?.post;
    expect(operation?.requestBody?.content['application/json']?.schema.$ref).toBe('#/components/schemas/SchedulePreview');
    const schema = body.components.schemas.SchedulePreview;
    expect(schema?.additionalProperties).toBe(false);
    expect(Object.keys(schema?.properties ?? {})).toEqual(['schedule', 'rule', 'dates', 'at', 'timezone', 'start', 'end', 'dayMatch', 'from', 'count']);
    expect(schema?.properties?.count?.maximum).toBe(1000);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '413', '415']);
  });

  it('lists every status a route can answer, 409 for a replace by name and 503 misconfigured among them', async () => {
    const { body } = await request<Document>('GET', '/openapi.json');
    const put = body.paths['/v1/databases/{db}/jobs/by-name/{name}']?.put;
    expect(Object.keys(put?.responses ?? {})).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '404', '409', '413', '415', '500', '503']));
    expect(Object.keys(body.paths['/v1/databases/{db}/jobs/{id}/cancel']?.post?.responses ?? {})).toContain('409');
    expect(body.components.schemas.CreateJob?.properties?.name?.maxLength).toBe(200);
  });

  it('serves a self-contained HTML page listing every route with its parameters and an example', async () => {
    const { status, body, headers } = await request<string>('GET', '/docs');
    expect(status).toBe(200);
    expect(headers.get('Content-Type')).toMatch(/^text\/html/);
    for (const [method, path] of ROUTES) expect(body).toContain(`<code>${method.toUpperCase()} ${path}</code>`);
    expect(body).toContain('<code>max_wait_interval</code>');
    expect(body).toContain('curl -X POST -H "Authorization: Bearer $TOKEN"');
    expect(body).not.toMatch(/<script|<link|https?:\/\/(?!edgecron)/);
  });
});
