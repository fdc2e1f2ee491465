// A counting proxy on the Docker socket: ring talks to it (DOCKER_HOST=unix://<path>) and it
// forwards every byte to the real daemon, counting the HTTP requests it sees by method and route
// (`GET /containers/json`, `GET /containers/{id}/stats`, …), so a benchmark can say how many Docker
// API calls ring made in a window. Requests are recognised by their request line at the start of a
// stream or after a CRLF; Docker's request bodies are JSON or tar archives, which do not contain
// "\r\nGET /v1.41/… HTTP/1.1\r\n", and a hijacked (attach/exec) stream stops the count on its connection.
// It also keeps a timeline (request seen → first response byte) when asked, so a benchmark can
// split a latency into the time Docker spent answering and the time the client spent between calls.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

const LINE = /(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\/[^ \r\n]*) HTTP\/1\.[01]\r\n/g;

/** `/v1.41/containers/4f…/stats?stream=false` → `/containers/{id}/stats`. */
export function routeOf(path: string): string {
  const p = path.split('?')[0]!.replace(/^\/v\d+\.\d+/, '');
  return p.replace(/^\/(containers|networks|images|exec|volumes|services|tasks|nodes)\/([^/]+)/, (_m, kind: string, id: string) =>
    (kind === 'containers' && id === 'json') || (kind === 'networks' && id === 'create') || (kind === 'containers' && id === 'create')
      || (kind === 'images' && (id === 'json' || id === 'create'))
      ? `/${kind}/${id}` : `/${kind}/{id}`);
}

/** One Docker API call: when its request line passed the proxy and when the daemon's answer began. */
export interface Call { key: string; at: number; doneAt: number }

export class DockerCountingProxy {
  readonly counts = new Map<string, number>();
  /** Every call since start (performance.now() times); only while `timeline` is on. */
  readonly calls: Call[] = [];
  timeline = false;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(readonly path: string, readonly upstream = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `unix://${this.path}`;
  }

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    this.server = createServer((client) => this.handle(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.path, () => resolve());
    });
  }

  private handle(client: Socket): void {
    const up = createConnection(this.upstream);
    this.sockets.add(client).add(up);
    let tail = '';
    let hijacked = false;
    const pending: Call[] = [];
    client.on('data', (chunk: Buffer) => {
      if (!hijacked) {
        // Keep a little of the previous chunk so a request line split across chunks is still seen.
        const text = tail + chunk.toString('latin1');
        LINE.lastIndex = 0;
        let m: RegExpExecArray | null;
        let lastEnd = 0;
        while ((m = LINE.exec(text))) {
          if (m.index + m[0].length <= tail.length) continue; // counted with the previous chunk
          const key = `${m[1]} ${routeOf(m[2]!)}`;
          this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
          if (this.timeline) {
            const call = { key, at: performance.now(), doneAt: NaN };
            this.calls.push(call);
            pending.push(call);
          }
          lastEnd = m.index + m[0].length;
          if (/\/(attach|exec\/[^/]+\/start)/.test(m[2]!)) hijacked = true;
        }
        tail = text.slice(Math.max(lastEnd, text.length - 256));
      }
      up.write(chunk);
    });
    up.on('data', (d: Buffer) => {
      const c = pending.shift();
      if (c) c.doneAt = performance.now();
      client.write(d);
    });
    // The daemon closing its side ends the client's gracefully: what is still queued for the client
    // is delivered first. (Destroying the client there cut every answer larger than the socket
    // buffer short — a list of 200+ containers — which wedged ring's pass, see src/runtime/docker/deadline.ts.)
    const destroy = () => { client.destroy(); up.destroy(); this.sockets.delete(client); this.sockets.delete(up); };
    client.on('end', () => up.end());
    up.on('end', () => client.end());
    client.on('error', destroy);
    up.on('error', destroy);
    client.on('close', destroy);
    up.on('close', () => { this.sockets.delete(up); client.end(); });
  }

  /** Calls that began in [from, to]. */
  between(from: number, to: number): Call[] {
    return this.calls.filter((c) => c.at >= from && c.at <= to);
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Requests per route since `before` (a snapshot). */
  since(before: Map<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.counts) {
      const d = v - (before.get(k) ?? 0);
      if (d > 0) out[k] = d;
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    rmSync(this.path, { force: true });
  }
}
