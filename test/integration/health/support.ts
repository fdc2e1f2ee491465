// Shared by the health-check and rolling-update integration tests: a test server per describe
// block, API calls on it, polling, HTTP against a container's bridge IP (containers these tests
// created only).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before } from 'node:test';
import Docker from 'dockerode';
import { ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { DEPLOYMENT_LABEL } from '../../../src/runtime/docker/index.js';

export const docker = new Docker();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * A ring server for the describe block that calls this: started (test images in place) before its
 * tests, closed after them, and what Docker holds for the block's namespace removed. `api` is bound
 * to the server in the before() hook, so it is for use inside the block's tests.
 */
export function serverPerSuite(nsPrefix: string, env: NodeJS.ProcessEnv = {}): { ns: string; api: Api } {
  const ns = uniqueNamespace(nsPrefix);
  const api = new Api();
  let srv: TestServer | undefined;
  before(async () => {
    await ensureTestImages();
    srv = await startTestServer(env);
    api.bind(srv, await srv.adminToken());
  });
  after(async () => {
    await srv?.close();
    await removeNamespaceArtifacts([ns], docker);
  });
  return { ns, api };
}

export class Api {
  #session?: { srv: TestServer; token: string };

  bind(srv: TestServer, token: string): void {
    this.#session = { srv, token };
  }

  get srv(): TestServer {
    return this.session().srv;
  }

  get token(): string {
    return this.session().token;
  }

  private session(): { srv: TestServer; token: string } {
    if (!this.#session) throw new Error('no server yet: the Api is bound in the suite\'s before() hook');
    return this.#session;
  }

  call(method: string, path: string, body?: unknown) {
    return this.srv.request(method, path, { token: this.token, ...(body !== undefined ? { body } : {}) });
  }

  async deploy(body: Record<string, unknown>, query = ''): Promise<any> {
    const r = await this.call('POST', `/deployments${query}`, { runtime: 'docker', kind: 'worker', config: { image_pull_policy: 'IfNotPresent' }, ...body });
    assert.equal(r.status, 201, r.text);
    return r.json;
  }

  /** The deployment, or undefined once purged. */
  async get(id: string): Promise<any> {
    const r = await this.call('GET', `/deployments/${id}`);
    if (r.status === 404) return undefined;
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  async events(id: string): Promise<{ reason: string; message: string; level: string; component: string }[]> {
    const r = await this.call('GET', `/deployments/${id}/events?limit=1000`);
    if (r.status === 404) return [];
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  async healthChecks(id: string, query = ''): Promise<any[]> {
    const r = await this.call('GET', `/deployments/${id}/health-checks${query}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  async waitStatus(id: string, status: string, timeoutMs = 30_000): Promise<any> {
    let last = '';
    try {
      return await waitFor(`deployment ${id} to be ${status}`, async () => {
        const d = await this.get(id);
        last = d?.status ?? 'purged';
        return d?.status === status ? d : undefined;
      }, timeoutMs);
    } catch (e) {
      const evs = await this.events(id);
      throw new Error(`${(e as Error).message} (last status ${last}); events:\n${evs.map((x) => `${x.reason}: ${x.message}`).join('\n')}`);
    }
  }

  async waitEvent(id: string, reason: string, timeoutMs = 30_000, everyMs = 100) {
    return waitFor(`event ${reason} on ${id}`, async () => (await this.events(id)).find((e) => e.reason === reason), timeoutMs, everyMs);
  }
}

/** Running containers of one deployment, oldest first. */
export async function running(deploymentId: string): Promise<Docker.ContainerInfo[]> {
  const list = await docker.listContainers({ filters: { label: [`${DEPLOYMENT_LABEL}=${deploymentId}`], status: ['running'] } });
  return list.sort((a, b) => a.Created - b.Created);
}

export async function ipOf(containerId: string): Promise<string> {
  const info = await docker.getContainer(containerId).inspect();
  const ip = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
  assert.ok(ip, `container ${containerId} has no IP`);
  return ip;
}

/** GET http://<ip><path>: status and body, or null when nothing answered within timeoutMs. */
export function httpGet(ip: string, path: string, timeoutMs = 1000): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port: 80, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** The bodies `/` answers with, one per running container of the deployment. */
export async function servedBodies(deploymentId: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of await running(deploymentId)) {
    const r = await httpGet(await ipOf(c.Id), '/');
    out.push(r ? `${r.status} ${r.body}` : 'no answer');
  }
  return out;
}
