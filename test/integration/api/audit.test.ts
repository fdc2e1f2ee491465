// The audit trail end to end: every create/update/delete/revoke/rotate lands in audit_log with who/what/where,
// in the same transaction as the change, readable per namespace (API and `ring namespace audit`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { cliEnv, ringCli } from '../../helpers/processes.js';

describe('audit log', () => {
  let s: TestServer;
  let admin: string;
  const ns = uniqueNamespace('audit');
  const other = uniqueNamespace('audit-o');

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    admin = await s.adminToken();
  });
  after(async () => {
    await s.close();
    await removeNamespaceArtifacts([ns, other]);
  });

  const ok = async (method: string, path: string, body?: unknown, status?: number) => {
    const r = await s.request(method, path, { token: admin, body });
    if (status !== undefined) assert.equal(r.status, status, r.text);
    else assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const trail = async (name: string, query = '') => {
    const r = await s.request('GET', `/namespaces/${name}/audit${query}`, { token: admin });
    assert.equal(r.status, 200, r.text);
    return r.json as { user_id: string; username: string; action: string; target_type: string; target_name: string; namespace: string; timestamp: string }[];
  };

  it('records who did what in which namespace, newest first', async () => {
    await ok('POST', '/namespaces', { name: ns }, 201);
    await ok('POST', '/secrets', { namespace: ns, name: 'db-pass', value: 's3cret' }, 201);
    const cfg = await ok('POST', '/configs', { namespace: ns, name: 'app-cfg', data: '{"a":"1"}' }, 201);
    await ok('PUT', `/configs/${cfg.id}`, { name: 'app-cfg', data: '{"a":"2"}' }, 200);
    const vol = await ok('POST', '/volumes', { namespace: ns, name: 'data' }, 201);
    const dep = await ok('POST', '/deployments', {
      name: 'app', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' },
    }, 201);
    await ok('DELETE', `/deployments/${dep.id}`, undefined, 204);
    await ok('DELETE', `/volumes/${vol.id}`, undefined, 204);
    await ok('DELETE', `/configs/${cfg.id}`, undefined, 204);
    // A deployment into a namespace that does not exist yet creates it: that is audited in the new namespace.
    await ok('POST', '/deployments', {
      name: 'auto', namespace: other, runtime: 'docker', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' },
    }, 201);

    const rows = await trail(ns);
    assert.deepEqual(rows.map((r) => `${r.action} ${r.target_type} ${r.target_name}`), [
      'delete config app-cfg', 'delete volume data', 'delete deployment app', 'create deployment app', 'create volume data',
      'update config app-cfg', 'create config app-cfg', 'create secret db-pass', 'create namespace ' + ns,
    ]);
    const me = (await s.request('GET', '/users/me', { token: admin })).json;
    assert.ok(rows.every((r) => r.user_id === me.id && r.username === 'admin' && r.namespace === ns));
    assert.ok(rows.every((r) => !Number.isNaN(Date.parse(r.timestamp))));
    assert.deepEqual((await trail(other)).map((r) => `${r.action} ${r.target_type}`), ['create deployment', 'create namespace']);
    assert.equal((await trail(ns, '?limit=2')).length, 2);
    assert.equal((await s.request('GET', `/namespaces/${ns}/audit?limit=0`, { token: admin })).status, 400);
    assert.equal((await s.request('GET', '/namespaces/no-such-ns/audit', { token: admin })).status, 404);
  });

  it('records tokens, users and webhooks outside every namespace', async () => {
    const t = await ok('POST', '/tokens', { name: 'audited', scopes: ['namespaces:read'] }, 201);
    await ok('POST', `/tokens/${t.id}/rotate`, undefined, 201);
    const again = await ok('POST', '/tokens', { name: 'gone', scopes: ['namespaces:read'] }, 201);
    await ok('DELETE', `/tokens/${again.id}`, undefined, 204);
    await ok('POST', '/users', { username: 'audited-user', password: 'long-enough-pw' }, 201);
    const db = new Database(s.dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT action, target_type, target_name FROM audit_log WHERE namespace IS NULL ORDER BY seq').all();
      assert.deepEqual(rows.map((r: any) => `${r.action} ${r.target_type} ${r.target_name}`), [
        'create token audited', 'rotate token audited', 'create token gone', 'revoke token gone', 'create user audited-user',
      ]);
    } finally {
      db.close();
    }
  });

  it('a token confined to another namespace cannot read the trail', async () => {
    const t = await ok('POST', '/tokens', { name: 'confined', scopes: ['namespaces:read'], namespaces: [other] }, 201);
    assert.equal((await s.request('GET', `/namespaces/${ns}/audit`, { token: t.token })).status, 403);
    assert.equal((await s.request('GET', `/namespaces/${other}/audit`, { token: t.token })).status, 200);
    const noScope = await ok('POST', '/tokens', { name: 'noscope', scopes: ['secrets:read'] }, 201);
    assert.equal((await s.request('GET', `/namespaces/${ns}/audit`, { token: noScope.token })).status, 403);
  });

  it('the change and its audit row land together: a refused audit row undoes the change', async () => {
    const db = new Database(s.dbPath);
    try {
      db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END;");
      const name = uniqueNamespace('audit-tx');
      const r = await s.request('POST', '/namespaces', { token: admin, body: { name } });
      assert.equal(r.status, 500, r.text);
      assert.equal((await s.request('GET', `/namespaces/${name}`, { token: admin })).status, 404);
      const sec = await s.request('POST', '/secrets', { token: admin, body: { namespace: ns, name: 'never', value: 'x' } });
      assert.equal(sec.status, 500);
      assert.ok(!(await s.request('GET', `/secrets?namespace=${ns}`, { token: admin })).json.some((x: any) => x.name === 'never'));
    } finally {
      db.exec('DROP TRIGGER IF EXISTS refuse_audit');
      db.close();
    }
  });

  it('ring namespace audit prints the trail (Timestamp, User, Action, Type, Target) and honours --limit', async () => {
    const env = cliEnv(s.dir, { RING_TOKEN: admin, RING_CONFIG_FILE: undefined });
    const port = new URL(s.url).port;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${s.dir}/cli.toml`, `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${port}\n`);
    const r = await ringCli(['--config', `${s.dir}/cli.toml`, 'namespace', 'audit', ns], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Timestamp\s*\|\s*User\s*\|\s*Action\s*\|\s*Type\s*\|\s*Target/);
    assert.match(r.stdout, /admin\s*\|\s*create\s*\|\s*secret\s*\|\s*db-pass/);
    const limited = await ringCli(['--config', `${s.dir}/cli.toml`, 'namespace', 'audit', ns, '--limit', '1'], env);
    assert.equal(limited.code, 0, limited.stderr);
    assert.equal(limited.stdout.split('\n').filter((l) => /^\|/.test(l)).length, 2, limited.stdout);
    const missing = await ringCli(['--config', `${s.dir}/cli.toml`, 'namespace', 'audit', 'no-such-ns'], env);
    assert.equal(missing.code, 4, missing.stderr);
  });

  it('deleting a namespace purges its trail, then records the deletion', async () => {
    await ok('DELETE', `/secrets/${(await ok('GET', `/secrets?namespace=${ns}`))[0].id}`, undefined, 204);
    // The deleted deployment's row goes once the reconciler has removed its container.
    const deadline = Date.now() + 90_000;
    let status = 0;
    while ((status = (await s.request('DELETE', `/namespaces/${ns}`, { token: admin })).status) === 409 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status, 204);
    const db = new Database(s.dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT action, target_type FROM audit_log WHERE namespace = ?').all(ns);
      assert.deepEqual(rows, [{ action: 'delete', target_type: 'namespace' }]);
    } finally {
      db.close();
    }
  });
});
