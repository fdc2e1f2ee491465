// Pulls from a real registry with htpasswd auth: inline credentials, an image_pull_secret (Docker
// config.json or username/password), and what wrong or missing credentials look like.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { pushImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cleanupNamespace, containersOf, deploy, deployment, docker, events, sleep, theContainer, waitFor, waitForStatus } from './support.js';

const USER = 'ringuser';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

describe('registry credentials against a registry with htpasswd auth', () => {
  let registry: TestRegistry;
  let srv: TestServer;
  let token: string;
  let image = '';
  const ns = `secr-${randomBytes(4).toString('hex')}`;
  const call = (method: string, path: string, body?: unknown) => srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  const authFailure = async (id: string) => {
    const ev = await waitFor('the pull to fail', async () => (await events(srv, token, id)).find((e) => e.reason === 'image_pull_back_off'));
    assert.ok(ev.message.includes(`registry authentication failed for '${image}'`), ev.message);
    assert.ok(!ev.message.includes(PASSWORD));
    const row = await deployment(srv, token, id);
    assert.ok(['image_pull_back_off', 'crash_loop_back_off'].includes(row.status), row.status);
    assert.deepEqual(await containersOf(id), []);
  };

  before(async () => {
    await ensureTestImages();
    registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
    image = `${registry.host}/ring-test/private:1`;
    pushImage(BUSYBOX_IMAGE, image, { host: registry.host, user: USER, password: PASSWORD });
    srv = await startTestServer();
    token = await srv.adminToken();
    assert.equal((await call('POST', '/namespaces', { name: ns })).status, 201);
  });

  after(async () => {
    await srv?.close();
    await cleanupNamespace(ns);
    if (image) await docker(['rmi', '-f', image]);
    await registry?.stop();
  });

  test('the registry really demands credentials', async () => {
    const r = await fetch(`http://${registry.host}/v2/ring-test/private/manifests/1`);
    assert.equal(r.status, 401);
  });

  test('right inline credentials pull and run', async () => {
    const d = await deploy(srv, token, {
      namespace: ns, name: 'inline-ok', image,
      config: { image_pull_policy: 'Always', server: registry.host, username: USER, password: PASSWORD },
    });
    await waitForStatus(srv, token, d.id, 'running', 60_000);
    await theContainer(d.id);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('a wrong password → image_pull_back_off with an authentication event', async () => {
    const d = await deploy(srv, token, {
      namespace: ns, name: 'inline-bad', image,
      config: { image_pull_policy: 'Always', server: registry.host, username: USER, password: 'wrong-password' },
    });
    await authFailure(d.id);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('no credentials → image_pull_back_off with an authentication event', async () => {
    const d = await deploy(srv, token, { namespace: ns, name: 'anonymous', image, config: { image_pull_policy: 'Always' } });
    await authFailure(d.id);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('an image_pull_secret holding a Docker config.json pulls and runs', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const value = JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } });
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'regcred', value })).status, 201);
    const d = await deploy(srv, token, { namespace: ns, name: 'by-secret', image, config: { image_pull_policy: 'Always', image_pull_secret: 'regcred' } });
    await waitForStatus(srv, token, d.id, 'running', 60_000);
    await theContainer(d.id);
    const inUse = await call('GET', `/secrets?namespace=${ns}`);
    const sid = inUse.json.find((s: any) => s.name === 'regcred').id;
    assert.equal((await call('DELETE', `/secrets/${sid}`)).status, 409);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('an image_pull_secret with a wrong username/password → image_pull_back_off', async () => {
    const value = JSON.stringify({ username: USER, password: 'not-it' });
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'badcred', value })).status, 201);
    const d = await deploy(srv, token, { namespace: ns, name: 'by-bad-secret', image, config: { image_pull_policy: 'Always', image_pull_secret: 'badcred' } });
    await authFailure(d.id);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('a missing image_pull_secret: an event naming it, no container, status stays creating', async () => {
    const d = await deploy(srv, token, { namespace: ns, name: 'no-secret', image, config: { image_pull_policy: 'Always', image_pull_secret: 'nope' } });
    const ev = await waitFor('the event', async () => (await events(srv, token, d.id)).find((e) => e.reason === 'image_pull_secret_resolution_error'));
    assert.equal(ev.message, `image_pull_secret 'nope' not found in namespace '${ns}'`);
    assert.equal(ev.level, 'error');
    await sleep(2000);
    assert.deepEqual(await containersOf(d.id), []);
    assert.equal((await deployment(srv, token, d.id)).status, 'creating');
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('image_pull_secret is exclusive with inline credentials and use_host_auth (422)', async () => {
    for (const extra of [{ username: USER, password: PASSWORD }, { server: registry.host }, { use_host_auth: true }]) {
      const r = await call('POST', '/deployments', {
        namespace: ns, name: 'conflict', runtime: 'docker', image, config: { image_pull_secret: 'regcred', ...extra },
      });
      assert.equal(r.status, 422, JSON.stringify(extra));
      assert.ok(r.json.violations.some((v: any) => v.code === 'deployment.config.image_pull_secret.conflict'), r.text);
    }
  });
});
