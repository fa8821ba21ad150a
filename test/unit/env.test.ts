import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../src/env';

const DIGEST = 'a'.repeat(64);
const LOCAL = { DATABASE_URL: 'postgres://u:p@localhost/db', EDGECRON_WS_PROXY: '127.0.0.1:5433' };

function tokensOf(env: Record<string, unknown>) {
  const config = readConfig(env);
  if (!config.ok) throw new Error(`expected a config, got: ${config.error.message}`);
  return config.value.tokens;
}

describe('reading the configuration', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps the databases when the token table is malformed, so the masters go on scheduling', () => {
    const config = readConfig({ ...LOCAL, EDGECRON_TOKENS: '{"secret": ' });
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    expect([...config.value.databases.keys()]).toEqual(['main']);
    expect(config.value.tokens).toEqual({ ok: false, error: { code: 'misconfigured', message: 'EDGECRON_TOKENS: not valid JSON' } });
  });

  it('refuses a database-level mistake as a whole', () => {
    const config = readConfig({ ...LOCAL, EDGECRON_DATABASE_URLS: '{"Bad Name": "postgres://x"}' });
    expect(config).toMatchObject({ ok: false, error: { code: 'misconfigured', message: expect.stringMatching(/^EDGECRON_DATABASE_URLS: database name "Bad Name"/) } });
  });

  it.each([
    ['sha256:zz'],
    ['sha256:'],
    [`sha256:${DIGEST}0`],
    [`sha256:${'g'.repeat(64)}`],
    [`sha256: ${DIGEST}`],
  ])('refuses the entry %j: a sha256: entry must be 64 hex digits, never a plaintext token', (entry) => {
    const tokens = tokensOf({ ...LOCAL, EDGECRON_TOKENS: JSON.stringify({ [entry]: { role: 'ops' } }) });
    expect(tokens).toEqual({
      ok: false,
      error: {
        code: 'misconfigured',
        message: 'EDGECRON_TOKENS: entry 1 (role "ops"): starts with "sha256:" but is not followed by 64 hex digits (the SHA-256 digest of the token)',
      },
    });
  });

  it('takes a sha256: entry of 64 hex digits in either case', () => {
    const tokens = tokensOf({ ...LOCAL, EDGECRON_TOKENS: JSON.stringify({ [`sha256:${DIGEST.toUpperCase()}`]: { role: 'ops', admin: true } }) });
    expect(tokens.ok && [...tokens.value.values()]).toEqual([{ role: 'ops', admin: true }]);
  });

  it('names the entry by position and role, never by its token', () => {
    const tokens = tokensOf({ ...LOCAL, EDGECRON_TOKENS: JSON.stringify({ 'first-secret': { role: 'a' }, 'second-secret': { role: 'b', admin: 'yes' } }) });
    expect(tokens).toEqual({
      ok: false,
      error: { code: 'misconfigured', message: 'EDGECRON_TOKENS: entry 2 (role "b"): admin: Invalid input: expected boolean, received string' },
    });
  });

  it('refuses a grant naming a database that is not configured', () => {
    const tokens = tokensOf({ ...LOCAL, EDGECRON_TOKENS: JSON.stringify({ t: { role: 'ops', databases: ['main', 'reports'] } }) });
    expect(tokens).toEqual({
      ok: false,
      error: { code: 'misconfigured', message: 'EDGECRON_TOKENS: entry 1 (role "ops"): databases: "reports" is not a configured database (configured: main)' },
    });
  });

  it('refuses a token table that is not an object', () => {
    const tokens = tokensOf({ ...LOCAL, EDGECRON_TOKENS: '["t"]' });
    expect(tokens).toMatchObject({ ok: false, error: { message: 'EDGECRON_TOKENS: must be a JSON object {"<token>": {"role": "...", "admin": false}}' } });
  });

  it('honours EDGECRON_DEV_TOKENS beside the local proxy only, and says so when it ignores them', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const dev = JSON.stringify({ 'dev-token': { role: 'bob' } });
    const local = tokensOf({ ...LOCAL, EDGECRON_DEV_TOKENS: dev });
    expect(local.ok && [...local.value.keys()]).toEqual(['dev-token']);
    expect(warn).not.toHaveBeenCalled();
    const production = tokensOf({ DATABASE_URL: LOCAL.DATABASE_URL, EDGECRON_TOKENS: JSON.stringify({ prod: { role: 'app' } }), EDGECRON_DEV_TOKENS: dev });
    expect(production.ok && [...production.value.keys()]).toEqual(['prod']);
    expect(warn).toHaveBeenCalledWith('[config] EDGECRON_DEV_TOKENS is ignored: it is for local use, beside EDGECRON_WS_PROXY, which is not set');
  });
});
