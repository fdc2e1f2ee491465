// config.use_host_auth against a real registry with htpasswd auth. As Ring (RING.md §7.1, t37), the
// POST is accepted and the pull is what refuses: image_pull_back_off with a message saying `not
// authorized`, unless the server allows host credentials ([server.runtime.docker]
// use_host_registry_auth = true) and has them in host_registry_config or $DOCKER_CONFIG/config.json.
// Each case runs its own server and stops it before the next (servers on one daemon disturb each other).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { pushImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cleanupNamespace, containersOf, deploy, deployment, docker, events, waitFor, waitForStatus } from './support.js';

const USER = 'hostuser';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

describe('config.use_host_auth against a registry with htpasswd auth', () => {
  let registry: TestRegistry;
  let image = '';
  const ns = `hauth-${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'ring-hauth-'));
  /** A DOCKER_CONFIG directory holding the right credentials, as `docker login` writes them. */
  const goodDockerConfig = join(scratch, 'good');

  async function withServer(toml: string, env: NodeJS.ProcessEnv, fn: (srv: TestServer, token: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'ring-hauth-srv-'));
    writeFileSync(join(dir, 'config.toml'), toml);
    const srv = await startTestServer(env, dir);
    try {
      await fn(srv, await srv.adminToken());
    } finally {
      await srv.close();
      await cleanupNamespace(ns);
    }
  }

  const body = (name: string) => ({
    name, namespace: ns, runtime: 'docker', image, command: ['sleep', '3600'],
    config: { image_pull_policy: 'Always', use_host_auth: true },
  });

  /** The pull was refused: image_pull_back_off event matching `pattern`, no container, no password shown. */
  async function refused(srv: TestServer, token: string, id: string, pattern: RegExp): Promise<string> {
    const ev = await waitFor('the refused pull', async () => (await events(srv, token, id)).find((e) => e.reason === 'image_pull_back_off'), 60_000);
    assert.equal(ev.level, 'error');
    assert.match(ev.message, /not authorized/);
    assert.match(ev.message, pattern);
    assert.ok(ev.message.startsWith(`Failed to pull image '${image}': `), ev.message);
    assert.ok(!ev.message.includes(PASSWORD));
    const row = await deployment(srv, token, id);
    assert.ok(['image_pull_back_off', 'crash_loop_back_off'].includes(row.status), row.status);
    assert.ok(row.restart_count >= 1, 'a refused pull is a counted, retried failure');
    assert.deepEqual(await containersOf(id), []);
    return ev.message;
  }

  before(async () => {
    await ensureTestImages();
    registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
    image = `${registry.host}/ring-test/hostauth-${randomBytes(3).toString('hex')}:1`;
    pushImage(BUSYBOX_IMAGE, image, { host: registry.host, user: USER, password: PASSWORD });
    await docker(['rmi', '-f', image]);
    const r = await fetch(`http://${registry.host}/v2/`);
    assert.equal(r.status, 401, 'the registry really demands credentials');
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const good = JSON.stringify({ auths: { [registry.host]: { auth } } });
    writeFileSync(join(scratch, 'good.json'), good);
    mkdirSync(goodDockerConfig, { recursive: true });
    writeFileSync(join(goodDockerConfig, 'config.json'), good);
  });

  after(async () => {
    if (image) await docker(['rmi', '-f', image]);
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('server setting off (the default): accepted, then the pull is refused with "not authorized"', async () => {
    await withServer('', { DOCKER_CONFIG: goodDockerConfig }, async (srv, token) => {
      const d = await deploy(srv, token, body('refused'));
      const message = await refused(srv, token, d.id, /the runtime is not authorized to use host registry credentials — set use_host_registry_auth = true/);
      assert.ok(!message.includes(goodDockerConfig), 'the file is not even read');
    });
  });

  test('use_host_registry_auth = true: pulls with $DOCKER_CONFIG/config.json and runs', async () => {
    await withServer('[server.runtime.docker]\nuse_host_registry_auth = true\n', { DOCKER_CONFIG: goodDockerConfig }, async (srv, token) => {
      const d = await deploy(srv, token, body('via-docker-config'));
      const running = await waitForStatus(srv, token, d.id, 'running', 120_000);
      assert.equal((await containersOf(d.id)).length, 1);
      assert.ok(String(running.image_digest ?? '').includes('@sha256:'), 'pulled from the registry');
    });
    await docker(['rmi', '-f', image]);
  });

  test('host_registry_config wins over $DOCKER_CONFIG: the right file pulls and runs', async () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'config.json'), JSON.stringify({ auths: {} }));
    const toml = `[server.runtime.docker]\nuse_host_registry_auth = true\nhost_registry_config = "${join(scratch, 'good.json')}"\n`;
    await withServer(toml, { DOCKER_CONFIG: empty }, async (srv, token) => {
      const d = await deploy(srv, token, body('via-host-registry-config'));
      await waitForStatus(srv, token, d.id, 'running', 120_000);
      assert.equal((await containersOf(d.id)).length, 1);
    });
    await docker(['rmi', '-f', image]);
  });

  test('no credential for the registry in the host file: image_pull_back_off, not authorized, the registry named', async () => {
    const other = join(scratch, 'other.json');
    writeFileSync(other, JSON.stringify({ auths: { 'elsewhere.example:5000': { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const toml = `[server.runtime.docker]\nuse_host_registry_auth = true\nhost_registry_config = "${other}"\n`;
    await withServer(toml, { DOCKER_CONFIG: goodDockerConfig }, async (srv, token) => {
      const d = await deploy(srv, token, body('missing-cred'));
      await refused(srv, token, d.id, new RegExp(`no host credential found for registry '${registry.host.replace(/\./g, '\\.')}': ${other.replace(/[.\\/]/g, '\\$&')} has no entry for it`));
    });
  });

  test('wrong credentials in the host file: the registry refuses, reported as an authentication failure', async () => {
    const wrong = join(scratch, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:not-the-password`).toString('base64') } } }));
    const toml = `[server.runtime.docker]\nuse_host_registry_auth = true\nhost_registry_config = "${wrong}"\n`;
    await withServer(toml, {}, async (srv, token) => {
      const d = await deploy(srv, token, body('wrong-cred'));
      const ev = await waitFor('the refused pull', async () => (await events(srv, token, d.id)).find((e) => e.reason === 'image_pull_back_off'), 60_000);
      assert.ok(ev.message.includes(`registry authentication failed for '${image}' — the registry refused the host's credentials from ${wrong}`), ev.message);
      assert.deepEqual(await containersOf(d.id), []);
    });
  });
});
