import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../../src/index';

/** Calls the Worker's fetch handler and waits for the work it left running (closing connections). */
export async function callApi(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  const ctx = createExecutionContext();
  // An incoming request carries Cloudflare's `cf` properties; a test-made one has none.
  const request = new Request(`http://edgecron.test${path}`, { ...rest, headers }) as Request<
    unknown,
    IncomingRequestCfProperties
  >;
  const response = await worker.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
