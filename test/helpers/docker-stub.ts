// A stand-in Docker Engine on a unix socket: enough of the API for `ring server` to start and for the
// reconciler to run its passes (ping, an empty container list, an event stream that stays open),
// while every attempt to create something fails like a daemon that refuses it. Tests that hammer the
// API (fuzzing, concurrency) use it so they never touch the shared real daemon.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerStub {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** Requests seen, as `METHOD /path`. */
  requests: string[];
  /** Container lists answered so far (a held one counts once answered). */
  listsAnswered: number;
  /**
   * Holds every container list until the returned function is called (a slow daemon, for tests
   * of work in flight at shutdown). Lists already held are answered when it is released.
   */
  holdLists(): () => void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'api-version': '1.43' });
  res.end(text);
}

export async function startDockerStub(): Promise<DockerStub> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-docker-stub-'));
  const socket = join(dir, 'docker.sock');
  const requests: string[] = [];
  const streams = new Set<ServerResponse>();
  let held: Promise<void> | null = null;
  const stub = { listsAnswered: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').replace(/^\/v[0-9.]+/, '').split('?')[0]!;
    requests.push(`${req.method} ${path}`);
    req.resume();
    if (path === '/_ping') return send(res, 200, 'OK');
    if (path === '/version') return send(res, 200, { Version: '24.0.0-stub', ApiVersion: '1.43', Os: 'linux', Arch: 'amd64' });
    if (path === '/info') return send(res, 200, { NCPU: 2, MemTotal: 2 * 1024 ** 3, OperatingSystem: 'stub' });
    if (req.method === 'GET' && path === '/containers/json') {
      const answer = () => { stub.listsAnswered++; send(res, 200, []); };
      if (held) void held.then(answer);
      else answer();
      return;
    }
    if (req.method === 'GET' && path === '/networks') return send(res, 200, []);
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    // Images, containers, networks: a daemon that says no (the deployment lands in an error state).
    return send(res, 500, { message: 'docker stub: this operation is not available' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  let release: () => void = () => {};
  return {
    host: `unix://${socket}`,
    requests,
    get listsAnswered() { return stub.listsAnswered; },
    holdLists() {
      held ??= new Promise<void>((r) => { release = r; });
      return () => { held = null; release(); };
    },
    async close() {
      held = null;
      release();
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
