// Starts a real ring server in this process on a random port, with its own config dir and ring.db.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { startDockerStub, type DockerStub } from './docker-stub.js';

export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

export interface TestServer extends RunningServer {
  dir: string;
  dbPath: string;
  logs(): string;
  env: NodeJS.ProcessEnv;
  /** POST /login as the seeded admin; returns the token. */
  adminToken(): Promise<string>;
  request(method: string, path: string, opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  close(): Promise<void>;
}

export async function startTestServer(extraEnv: NodeJS.ProcessEnv = {}, dir = mkdtempSync(join(tmpdir(), 'ring-test-'))): Promise<TestServer> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    RING_CONFIG_DIR: dir,
    RING_DATABASE_PATH: join(dir, 'ring.db'),
    RING_SECRET_KEY: TEST_SECRET_KEY,
    RING_SCHEDULER_INTERVAL: '1',
    ...extraEnv,
  };
  const config = loadConfig({ env });
  config.current = { ...config.current, host: '127.0.0.1', port: 0 };
  const sink = new PassThrough();
  let captured = '';
  sink.on('data', (c: Buffer) => (captured += c.toString()));
  const server = await startServer({ config, env, log: createLogger('info', sink, 'json') });
  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(server.url + path, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    ...server,
    dir,
    dbPath: env.RING_DATABASE_PATH!,
    env,
    logs: () => captured,
    request,
    async adminToken() {
      const r = await request('POST', '/login', { body: { username: 'admin', password: 'changeme' } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
      return r.json.token as string;
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test server whose Docker is the stand-in of docker-stub.ts, for tests of the API alone: nothing
 * it does reaches the shared daemon. close() stops the server, then the stand-in.
 */
export async function startTestServerOnDockerStub(extraEnv: NodeJS.ProcessEnv = {}): Promise<TestServer & { docker: DockerStub }> {
  const docker = await startDockerStub();
  const server = await startTestServer({ DOCKER_HOST: docker.host, ...extraEnv });
  return {
    ...server,
    docker,
    async close() {
      await server.close();
      await docker.close();
    },
  };
}
