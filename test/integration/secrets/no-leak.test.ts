// A secret value must never be readable anywhere but inside the container that uses it: not in
// ring.db or its WAL, not in the server's log, not in any API answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cleanupNamespace, deploy, docker, theContainer, waitFor, waitForStatus } from './support.js';

describe('a secret value never leaks', () => {
  let srv: TestServer;
  let token: string;
  const ns = `secl-${randomBytes(4).toString('hex')}`;
  // Distinctive, and also checked base64-encoded: an accidental encoding is still a leak.
  const VALUE = `leak-check-${randomBytes(12).toString('hex')}`;
  const PULL_PASSWORD = `pull-pw-${randomBytes(12).toString('hex')}`;
  const needles = [VALUE, Buffer.from(VALUE).toString('base64'), PULL_PASSWORD];
  const responses: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
    responses.push(`${method} ${path} → ${r.status}\n${r.text}`);
    return r;
  };

  before(async () => {
    await ensureTestImages();
    srv = await startTestServer();
    token = await srv.adminToken();
  });
  after(async () => {
    await srv?.close();
    await cleanupNamespace(ns);
  });

  test('not in ring.db, ring.db-wal, the server log or any API response', async () => {
    assert.equal((await call('POST', '/namespaces', { name: ns })).status, 201);
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'db-pass', value: VALUE })).status, 201);
    const pull = JSON.stringify({ auths: { '127.0.0.1:1': { auth: Buffer.from(`u:${PULL_PASSWORD}`).toString('base64') } } });
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'pull', value: pull })).status, 201);
    // A duplicate and an invalid request must not echo the value back either.
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: 'db-pass', value: VALUE })).status, 409);
    assert.equal((await call('POST', '/secrets', { namespace: ns, name: '-', value: VALUE })).status, 422);

    const d = await deploy(srv, token, {
      namespace: ns, name: 'app', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' },
      environment: { DB_PASS: { secretRef: 'db-pass' } },
      volumes: [{ type: 'secret', source: 'db-pass', destination: '/run/db', driver: 'local', permission: 'ro' }],
    });
    // A pull secret for an unreachable registry: resolved (decrypted) and used, and it fails.
    const puller = await deploy(srv, token, {
      namespace: ns, name: 'puller', image: '127.0.0.1:1/nothing:1', config: { image_pull_policy: 'Always', image_pull_secret: 'pull' },
    });
    await waitForStatus(srv, token, d.id, 'running');
    const cid = await theContainer(d.id);
    // Positive control: the value did reach the container.
    assert.match((await docker(['exec', cid, 'env'])).stdout, new RegExp(`^DB_PASS=${VALUE}$`, 'm'));
    await waitFor('the pull with the secret to fail', async () => {
      const r = await call('GET', `/deployments/${puller.id}/events`);
      return r.json.some((e: any) => e.reason === 'image_pull_back_off') ? true : undefined;
    });

    const secrets = await call('GET', '/secrets');
    for (const s of secrets.json) await call('GET', `/secrets/${s.id}`);
    await call('GET', `/secrets?namespace=${ns}`);
    await call('GET', '/deployments');
    for (const id of [d.id, puller.id]) {
      await call('GET', `/deployments/${id}`);
      await call('GET', `/deployments/${id}/events`);
    }
    await call('GET', '/configs');
    await call('GET', '/volumes');
    assert.ok(responses.length >= 14);
    for (const r of responses) for (const n of needles) assert.ok(!r.includes(n), `an API response contains a secret:\n${r.slice(0, 500)}`);

    // Checkpoint nothing: whatever the WAL holds right now is what we read.
    const files = [srv.dbPath, `${srv.dbPath}-wal`, `${srv.dbPath}-journal`].filter((f) => existsSync(f));
    assert.ok(files.includes(`${srv.dbPath}-wal`), 'no WAL file: the database is not in WAL mode');
    let control = 0;
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) assert.equal(bytes.includes(Buffer.from(n)), false, `${f} contains a secret`);
      if (bytes.includes(Buffer.from(ns))) control++;
    }
    assert.ok(control > 0, `positive control: the namespace name is in none of ${files.join(', ')}`);

    const logs = srv.logs();
    assert.ok(logs.includes('/secrets'), 'positive control: the log records the requests');
    for (const n of needles) assert.ok(!logs.includes(n), 'the server log contains a secret');
  });
});
