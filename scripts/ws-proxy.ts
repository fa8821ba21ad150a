// A WebSocket-to-TCP proxy for the Neon serverless driver, for local use only.
// The driver opens ws://<proxy>/v1?address=<host>:<port> and sends the PostgreSQL wire protocol
// as binary frames; we pipe them to a TCP socket. Only loopback targets are allowed, so the
// proxy can never be used to reach anything but a local PostgreSQL.
import net from 'node:net';
import { WebSocketServer, type RawData } from 'ws';

export interface WsProxy {
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface WsProxyOptions {
  log?: (line: string) => void;
  /** Sees every chunk a client sends to PostgreSQL (benchmarks count round trips with it). */
  onClientData?: (connection: number, chunk: Buffer) => void;
}

export async function startWsProxy(port: number, options: WsProxyOptions = {}): Promise<WsProxy> {
  const log = options.log ?? (() => {});
  let connections = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (e) => log(`ws proxy: ${e.message}`));

  wss.on('connection', (ws, request) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const address = url.searchParams.get('address') ?? '';
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator);
    const targetPort = Number(address.slice(separator + 1));
    if (separator < 0 || !LOOPBACK.has(host) || !Number.isInteger(targetPort)) {
      ws.close(1008, 'only loopback targets are allowed');
      return;
    }
    const connection = ++connections;
    const socket = net.connect({ host, port: targetPort });
    socket.setNoDelay(true);
    ws.on('message', (data: RawData) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      options.onClientData?.(connection, chunk);
      socket.write(chunk);
    });
    socket.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk);
    });
    const closeBoth = () => {
      socket.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    socket.on('error', (e) => {
      log(`ws proxy: ${address}: ${e.message}`);
      closeBoth();
    });
    socket.on('close', closeBoth);
    ws.on('close', closeBoth);
    ws.on('error', closeBoth);
  });

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
