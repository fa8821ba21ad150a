// scripts/compat.ts without a database: naming a pack, and what `npm run compat` says when the
// name is wrong or DATABASE_URL is missing (both before it connects anywhere).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPAT_PACKS, parsePackName } from '../../scripts/compat.ts';

const root = path.resolve(import.meta.dirname, '../..');
const LIST = 'the packs are pg_cron, pgpro_scheduler, pg_task, qsched, hg_job (or all): npm run compat -- <pack>';

function runCompat(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/compat.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('parsePackName', () => {
  it('takes each pack by name, and all for every pack in install order', () => {
    for (const pack of COMPAT_PACKS) expect(parsePackName(pack)).toEqual([pack]);
    expect(parsePackName('all')).toEqual(['pg_cron', 'pgpro_scheduler', 'pg_task', 'qsched', 'hg_job']);
  });

  it('refuses an unknown or missing name, listing the packs', () => {
    expect(() => parsePackName('nope')).toThrow(`unknown pack "nope"; ${LIST}`);
    expect(() => parsePackName(undefined)).toThrow(`no pack given; ${LIST}`);
    // Names are exact: the shared base is no pack, and case matters.
    expect(() => parsePackName('base')).toThrow('unknown pack "base"');
    expect(() => parsePackName('PG_CRON')).toThrow('unknown pack "PG_CRON"');
  });
});

describe('npm run compat', () => {
  it('exits 2 with the list of packs for an unknown pack', async () => {
    const { code, stdout, stderr } = await runCompat(['nope'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`unknown pack "nope"; ${LIST}`);
    expect(stdout).toBe('');
  });

  it('exits 2 naming DATABASE_URL when it is not set', async () => {
    const { code, stderr } = await runCompat(['pg_cron'], { DATABASE_URL: undefined });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('DATABASE_URL is not set: it must name the database to install the pack into');
  });
});
