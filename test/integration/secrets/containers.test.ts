// Secrets, configs and named volumes reaching real containers (Docker), and what happens when
// one of them is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import {
  cleanupNamespace, containersOf, deploy, deployment, docker, events, sleep, theContainer, waitFor, waitForStatus,
} from './support.js';

const SECRET = `s3cr3t-${randomBytes(6).toString('hex')}`;
const APP_CONF = 'listen=8080\nmode=test\n';

describe('secrets, configs and volumes in containers', () => {
  let srv: TestServer;
  let token: string;
  const ns = `secc-${randomBytes(4).toString('hex')}`;
  const volume = `ringtest-${randomBytes(4).toString('hex')}`;
  const base = { namespace: ns, image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' } };
  const call = (method: string, path: string, body?: unknown) => srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    await ensureTestImages();
    srv = await startTestServer();
    token = await srv.adminToken();
    assert.equal((await call('POST', '/namespaces', { name: ns })).status, 201);
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'db-pass', value: SECRET })).status, 201);
    assert.equal((await call('POST', '/configs', { namespace: ns, name: 'app', data: JSON.stringify({ 'app.conf': APP_CONF }) })).status, 201);
  });

  after(async () => {
    await srv?.close();
    await cleanupNamespace(ns);
    await docker(['volume', 'rm', '-f', volume]);
  });

  test('the secret is in the environment and in a read-only file; the config key is a read-only file', async () => {
    const d = await deploy(srv, token, {
      ...base, name: 'app',
      environment: { PLAIN: 'plain-value', DB_PASS: { secretRef: 'db-pass' } },
      volumes: [
        { type: 'secret', source: 'db-pass', destination: '/run/secrets/db', driver: 'local', permission: 'ro' },
        { type: 'config', source: 'app', key: 'app.conf', destination: '/etc/app/app.conf', driver: 'local', permission: 'ro' },
      ],
    });
    await waitForStatus(srv, token, d.id, 'running');
    const cid = await theContainer(d.id);

    const env = await docker(['exec', cid, 'env']);
    assert.equal(env.code, 0, env.stderr);
    assert.ok(env.stdout.split('\n').includes(`DB_PASS=${SECRET}`), env.stdout);
    assert.ok(env.stdout.split('\n').includes('PLAIN=plain-value'), env.stdout);

    const secretFile = await docker(['exec', cid, 'cat', '/run/secrets/db']);
    assert.equal(secretFile.code, 0, secretFile.stderr);
    assert.equal(secretFile.stdout, SECRET);
    const conf = await docker(['exec', cid, 'cat', '/etc/app/app.conf']);
    assert.equal(conf.code, 0, conf.stderr);
    assert.equal(conf.stdout, APP_CONF);

    for (const path of ['/etc/app/app.conf', '/run/secrets/db']) {
      const write = await docker(['exec', cid, 'sh', '-c', `echo overwritten > ${path}`]);
      assert.notEqual(write.code, 0, `writing ${path} succeeded`);
      assert.match(write.stderr, /read-only file system/i);
      assert.equal((await docker(['exec', cid, 'cat', path])).stdout, path.endsWith('app.conf') ? APP_CONF : SECRET);
    }
    const mounts = JSON.parse((await docker(['inspect', '--format', '{{json .Mounts}}', cid])).stdout) as { Destination: string; RW: boolean }[];
    for (const path of ['/etc/app/app.conf', '/run/secrets/db']) {
      assert.equal(mounts.find((m) => m.Destination === path)?.RW, false, JSON.stringify(mounts));
    }
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('a missing secret: no container, a secret_resolution_error event naming it, status stays creating; creating the secret heals it', async () => {
    const d = await deploy(srv, token, { ...base, name: 'orphan', environment: { TOKEN: { secretRef: 'late-secret' } } });
    const ev = await waitFor('the resolution error event', async () =>
      (await events(srv, token, d.id)).find((e) => e.reason === 'secret_resolution_error'));
    assert.equal(ev.level, 'error');
    assert.equal(ev.message, `Failed to resolve secrets: Secret 'late-secret' not found in namespace '${ns}'`);
    await sleep(3000); // three scheduler ticks
    assert.deepEqual(await containersOf(d.id), []);
    const row = await deployment(srv, token, d.id);
    assert.equal(row.status, 'creating');
    assert.equal(row.restart_count, 0);
    // Reported once, not at every tick.
    assert.equal((await events(srv, token, d.id)).filter((e) => e.reason === 'secret_resolution_error').length, 1);

    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'late-secret', value: 'late-value' })).status, 201);
    await waitForStatus(srv, token, d.id, 'running', 15_000);
    const cid = await theContainer(d.id);
    assert.match((await docker(['exec', cid, 'env'])).stdout, /^TOKEN=late-value$/m);
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('a missing config key: config_error (counted, backed off), a volume_resolution_error event, no container', async () => {
    const d = await deploy(srv, token, {
      ...base, name: 'badkey',
      volumes: [{ type: 'config', source: 'app', key: 'nope.conf', destination: '/etc/nope.conf', driver: 'local', permission: 'ro' }],
    });
    const evs = await waitFor('config_error', async () => {
      const all = await events(srv, token, d.id);
      return all.some((e) => e.reason === 'state_transition' && /to config_error$/.test(e.message)) ? all : undefined;
    });
    const resolution = evs.find((e) => e.reason === 'volume_resolution_error');
    assert.equal(resolution?.message, "Failed to resolve volumes: Key 'nope.conf' not found in config 'app'");
    assert.equal(resolution?.level, 'error');
    const row = await deployment(srv, token, d.id);
    assert.ok(['config_error', 'crash_loop_back_off'].includes(row.status), row.status);
    assert.ok(row.restart_count >= 1, `restart_count ${row.restart_count}`);
    assert.deepEqual(await containersOf(d.id), []);
    // Retries are backed off: the budget runs out in seconds, not in one burst of ticks.
    const final = await waitForStatus(srv, token, d.id, 'crash_loop_back_off', 30_000);
    assert.equal(final.restart_count, 5);
    assert.deepEqual(await containersOf(d.id), []);
  });

  test('a missing config: config_error with "Config \'<n>\' not found", healed by creating the config', async () => {
    const d = await deploy(srv, token, {
      ...base, name: 'nocfg',
      volumes: [{ type: 'config', source: 'late-cfg', key: 'k', destination: '/etc/k', driver: 'local', permission: 'ro' }],
    });
    const ev = await waitFor('the event', async () => (await events(srv, token, d.id)).find((e) => e.reason === 'volume_resolution_error'));
    assert.equal(ev.message, "Failed to resolve volumes: Config 'late-cfg' not found");
    await waitFor('config_error', async () => ((await deployment(srv, token, d.id)).status === 'config_error' ? true : undefined), 10_000, 100);
    assert.deepEqual(await containersOf(d.id), []);

    assert.equal((await call('POST', '/configs', { namespace: ns, name: 'late-cfg', data: '{"k":"late"}' })).status, 201);
    await waitForStatus(srv, token, d.id, 'running', 20_000);
    assert.equal((await docker(['exec', await theContainer(d.id), 'cat', '/etc/k'])).stdout, 'late');
    assert.equal((await call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('a named volume is labelled, refuses deletion while used, and outlives its deployment', async () => {
    const writer = await deploy(srv, token, {
      ...base, name: 'writer', command: ['sh', '-c', 'echo kept-data > /data/file && exec sleep 3600'],
      volumes: [{ type: 'volume', source: volume, destination: '/data', driver: 'local', permission: 'rw' }],
    });
    await waitForStatus(srv, token, writer.id, 'running');
    const cid = await theContainer(writer.id);
    await waitFor('the file to be written', async () => ((await docker(['exec', cid, 'cat', '/data/file'])).stdout === 'kept-data\n' ? true : undefined));

    const inspect = await docker(['volume', 'inspect', '--format', '{{json .Labels}}', volume]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual(JSON.parse(inspect.stdout), { 'ring.managed': 'true', 'ring.namespace': ns, 'ring.deployment': 'writer' });

    const row = (await call('GET', `/volumes?namespace=${ns}`)).json.find((v: any) => v.name === volume);
    assert.ok(row, 'the volume was not registered');
    const refused = await call('DELETE', `/volumes/${row.id}`);
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.json.deployments, [`${ns}/writer`]);

    assert.equal((await call('DELETE', `/deployments/${writer.id}`)).status, 204);
    await waitFor('the writer to be purged', async () => ((await call('GET', `/deployments/${writer.id}`)).status === 404 ? true : undefined));
    assert.deepEqual(await containersOf(writer.id), []);
    assert.equal((await docker(['volume', 'inspect', volume])).code, 0, 'the named volume was removed with its deployment');
    assert.ok((await call('GET', `/volumes/${row.id}`)).status === 200, 'the registry row went with the deployment');

    const reader = await deploy(srv, token, {
      ...base, name: 'reader',
      volumes: [{ type: 'volume', source: volume, destination: '/data', driver: 'local', permission: 'ro' }],
    });
    await waitForStatus(srv, token, reader.id, 'running');
    const rid = await theContainer(reader.id);
    assert.equal((await docker(['exec', rid, 'cat', '/data/file'])).stdout, 'kept-data\n');
    assert.notEqual((await docker(['exec', rid, 'sh', '-c', 'echo x > /data/other'])).code, 0, 'a ro named volume was writable');

    assert.equal((await call('DELETE', `/volumes/${row.id}`)).status, 409);
    assert.equal((await call('DELETE', `/volumes/${row.id}?force=true`)).status, 204);
    assert.equal((await docker(['volume', 'inspect', volume])).code, 0, 'deleting the registry row removed the data');
    assert.equal((await call('DELETE', `/deployments/${reader.id}`)).status, 204);
  });

  test('a shared read-write named volume with replicas > 1 is refused', async () => {
    const r = await call('POST', '/deployments', {
      ...base, runtime: 'docker', name: 'shared', replicas: 2,
      volumes: [{ type: 'volume', source: volume, destination: '/data', driver: 'local', permission: 'rw' }],
    });
    assert.equal(r.status, 422);
    assert.ok(r.json.violations.some((v: any) => v.code === 'deployment.volumes.shared_rw_replicas' && v.property_path === 'volumes[0].permission'), r.text);
  });
});
