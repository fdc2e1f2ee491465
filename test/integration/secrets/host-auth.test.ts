// config.use_host_auth against a registry with htpasswd auth: refused (`not authorized`) unless the
// server allows host credentials, then read from $DOCKER_CONFIG/config.json (or host_registry_config).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { pushImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cleanupNamespace, containersOf, deploy, docker, events, waitFor, waitForStatus } from './support.js';

const USER = 'hostuser';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

describe('config.use_host_auth', () => {
  let registry: TestRegistry;
  let image = '';
  const ns = `hauth-${randomBytes(4).toString('hex')}`;
  const dockerConfig = mkdtempSync(join(tmpdir(), 'ring-docker-config.'));
  const servers: TestServer[] = [];

  async function server(toml: string, env: NodeJS.ProcessEnv = {}): Promise<{ srv: TestServer; token: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'ring-hauth.'));
    writeFileSync(join(dir, 'config.toml'), toml);
    const srv = await startTestServer(env, dir);
    servers.push(srv);
    return { srv, token: await srv.adminToken() };
  }

  before(async () => {
    await ensureTestImages();
    registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
    image = `${registry.host}/ring-test/hostauth:1`;
    pushImage(BUSYBOX_IMAGE, image, { host: registry.host, user: USER, password: PASSWORD });
    await docker(['rmi', '-f', image]);
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  });

  after(async () => {
    for (const s of servers) await s.close();
    await cleanupNamespace(ns);
    if (image) await docker(['rmi', '-f', image]);
    await registry?.stop();
    rmSync(dockerConfig, { recursive: true, force: true });
  });

  const body = (name: string) => ({
    name, namespace: ns, runtime: 'docker', image, command: ['sleep', '3600'],
    config: { image_pull_policy: 'Always', use_host_auth: true },
  });

  test('refused with "not authorized" when the server does not allow host credentials', async () => {
    const { srv, token } = await server('', { DOCKER_CONFIG: dockerConfig });
    const d = await deploy(srv, token, body('refused'));
    const ev = await waitFor('the refusal event', async () => (await events(srv, token, d.id)).find((e) => /not authorized/.test(e.message)));
    assert.equal(ev.level, 'error');
    assert.match(ev.message, /use_host_registry_auth = true/);
    assert.deepEqual(await containersOf(d.id), []);
    assert.equal((await srv.request('DELETE', `/deployments/${d.id}`, { token })).status, 204);
  });

  test('pulls with $DOCKER_CONFIG/config.json when use_host_registry_auth = true', async () => {
    const { srv, token } = await server('[server.runtime.docker]\nuse_host_registry_auth = true\n', { DOCKER_CONFIG: dockerConfig });
    const d = await deploy(srv, token, body('via-docker-config'));
    await waitForStatus(srv, token, d.id, 'running', 90_000);
    assert.equal((await containersOf(d.id)).length, 1);
    assert.equal((await srv.request('DELETE', `/deployments/${d.id}`, { token })).status, 204);
  });

  test('host_registry_config names the file; a registry missing from it says so', async () => {
    const other = mkdtempSync(join(tmpdir(), 'ring-docker-config2.'));
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'cfg.json'), JSON.stringify({ auths: { 'elsewhere.example:5000': { auth: 'eDp5' } } }));
    try {
      const { srv, token } = await server(`[server.runtime.docker]\nuse_host_registry_auth = true\nhost_registry_config = "${join(other, 'cfg.json')}"\n`,
        { DOCKER_CONFIG: dockerConfig });
      const d = await deploy(srv, token, body('missing-cred'));
      const ev = await waitFor('the missing credential event', async () => (await events(srv, token, d.id)).find((e) => /no host credential found/.test(e.message)));
      assert.ok(ev.message.includes(`'${registry.host}'`), ev.message);
      assert.ok(!ev.message.includes(PASSWORD));
      assert.deepEqual(await containersOf(d.id), []);
      assert.equal((await srv.request('DELETE', `/deployments/${d.id}`, { token })).status, 204);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
