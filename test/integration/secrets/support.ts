// Shared by the secret/config/volume integration tests: docker CLI calls, polling, cleanup.
import { docker, sleep, waitFor, type Result } from '../../helpers/processes.js';
import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/server.js';

export type Run = Result;
export { docker, sleep, waitFor };

/** Ids of the containers (any state) of one deployment. */
export async function containersOf(deploymentId: string): Promise<string[]> {
  const r = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=ring_deployment=${deploymentId}`]);
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** POST /deployments and return the created row (asserting 201). */
export async function deploy(srv: TestServer, token: string, body: Record<string, unknown>): Promise<any> {
  const r = await srv.request('POST', '/deployments', { token, body: { runtime: 'docker', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

export async function deployment(srv: TestServer, token: string, id: string): Promise<any> {
  const r = await srv.request('GET', `/deployments/${id}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

export async function events(srv: TestServer, token: string, id: string): Promise<{ reason: string; message: string; level: string }[]> {
  const r = await srv.request('GET', `/deployments/${id}/events?limit=1000`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

export async function waitForStatus(srv: TestServer, token: string, id: string, status: string, timeoutMs = 30_000): Promise<any> {
  let last = '';
  try {
    return await waitFor(`deployment ${id} to be ${status}`, async () => {
      const d = await deployment(srv, token, id);
      last = d.status;
      return d.status === status ? d : undefined;
    }, timeoutMs);
  } catch (e) {
    const evs = await events(srv, token, id);
    throw new Error(`${(e as Error).message} (last status ${last}); events:\n${evs.map((x) => `${x.reason}: ${x.message}`).join('\n')}`);
  }
}

/** The one running container of a deployment. */
export async function theContainer(deploymentId: string): Promise<string> {
  return waitFor(`a running container of ${deploymentId}`, async () => {
    const r = await docker(['ps', '-q', '--no-trunc', '--filter', `label=ring_deployment=${deploymentId}`, '--filter', 'status=running']);
    const ids = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    return ids.length === 1 ? ids[0] : undefined;
  });
}

/** Removes what a test's namespace left in Docker: containers named `<ns>_…` and the `ring_<ns>` network. */
export async function cleanupNamespace(ns: string): Promise<void> {
  const r = await docker(['ps', '-aq', '--filter', `name=^${ns}_`]);
  const ids = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['network', 'rm', `ring_${ns}`]);
}
