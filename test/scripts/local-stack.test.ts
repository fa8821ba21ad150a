// The local stack's own behaviour, in Node: what `npm start` does when its ports are taken,
// and that the WebSocket proxy only reaches loopback.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../scripts/ports.ts';
import { startWsProxy, type WsProxy } from '../../scripts/ws-proxy.ts';

const root = path.resolve(import.meta.dirname, '../..');

function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm start', () => {
  it('fails at once, naming the setting, when a port it needs is taken', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const { code, output } = await runStart({
        PORT: String(await freePort()),
        EDGECRON_PG_PORT: String(port),
        EDGECRON_PROXY_PORT: String(await freePort()),
        EDGECRON_DATA_DIR: path.join(root, '.edgecron-test-unused'),
      });
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} is already in use (set EDGECRON_PG_PORT to use another port)`);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      blocker.close();
    }
  });

  it('rejects a port setting that is not a port', async () => {
    const { code, output } = await runStart({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output).toContain('PORT: "eighty" is not a port number (1-65535)');
  });
});

describe('the local PostgreSQL module', () => {
  it('leaves the exit status to the process (a failed test run must not exit 0), and exits without an error', async () => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '-e', "import './scripts/local-postgres.ts'; process.exitCode = 3;"],
      { cwd: root },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(3);
    expect(stderr).toBe('');
  });
});

describe('the WebSocket proxy', () => {
  let proxy: WsProxy;
  let echo: net.Server;
  let echoPort: number;

  beforeAll(async () => {
    proxy = await startWsProxy(await freePort());
    echo = net.createServer((socket) => socket.pipe(socket));
    echoPort = await freePort();
    await new Promise<void>((resolve) => echo.listen(echoPort, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await proxy.close();
    echo.close();
  });

  it('pipes binary frames to a loopback TCP server and back', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:${echoPort}`);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      ws.on('open', () => ws.send(Buffer.from([1, 2, 3])));
      ws.on('message', (data) => resolve(data as Buffer));
      ws.on('error', reject);
    });
    ws.close();
    expect([...reply]).toEqual([1, 2, 3]);
  });

  it('refuses a target that is not on loopback', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=example.com:5432`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(1008);
  });
});
