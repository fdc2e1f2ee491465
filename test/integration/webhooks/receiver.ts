// A webhook receiver on 127.0.0.1 for tests: records every request (raw body, headers) and answers
// as the test says (a status, or never). It can go down and come back on the same port.
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  kind: string;
  signature: string;
  contentType: string;
  userAgent: string;
  body: string;
  json: any;
  at: number;
  path: string;
}

export type Answer = number | 'hang' | { status: number; headers: Record<string, string> };

export class Receiver {
  readonly received: Received[] = [];
  /** What to answer each request with (default 200). */
  respond: (r: Received) => Answer = () => 200;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];
  port = 0;

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await r.listen(0);
    return r;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async listen(port = this.port): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(body); } catch { json = undefined; }
        const r: Received = {
          kind: String(req.headers['x-ring-event'] ?? ''), signature: String(req.headers['x-ring-signature'] ?? ''),
          contentType: String(req.headers['content-type'] ?? ''), userAgent: String(req.headers['user-agent'] ?? ''),
          body, json, at: Date.now(), path: req.url ?? '',
        };
        this.received.push(r);
        for (const w of this.waiters.splice(0)) w();
        const answer = this.respond(r);
        if (answer === 'hang') return;
        if (typeof answer === 'number') res.writeHead(answer);
        else res.writeHead(answer.status, answer.headers);
        res.end('ok');
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection (hanging ones included): the receiver is down. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Resolves once `n` requests arrived (in all), or rejects after `ms`. */
  async waitFor(n: number, ms = 30_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.received.length} of ${n} requests within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.received.slice(0, n);
  }
}

export function expectedSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value, or fails after `ms`. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}
