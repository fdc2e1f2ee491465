// Personal access tokens end to end: /tokens, expiry, revocation, rotation, scopes and namespace confinement.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { hashToken } from '../../../src/api/tokens.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codes = (body: { violations: { property_path: string; code: string }[] }) => body.violations.map((v) => `${v.property_path} ${v.code}`);

describe('personal access tokens', () => {
  let s: TestServer;
  let admin: string;
  const mine = uniqueNamespace('tok-a');
  const theirs = uniqueNamespace('tok-b');
  const deployments: Record<string, string> = {};

  async function pat(body: Record<string, unknown>): Promise<{ id: string; token: string; [k: string]: unknown }> {
    const r = await s.request('POST', '/tokens', { token: admin, body });
    assert.equal(r.status, 201, r.text);
    return r.json;
  }

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    admin = await s.adminToken();
    for (const ns of [mine, theirs]) {
      const r = await s.request('POST', '/deployments', { token: admin, body: {
        name: 'app', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' },
      } });
      assert.equal(r.status, 201, r.text);
      deployments[ns] = r.json.id;
    }
  });

  after(async () => {
    await s.close();
    await removeNamespaceArtifacts([mine, theirs]);
  });

  test('create returns the token once; only its hash is stored', async () => {
    const r = await s.request('POST', '/tokens', { token: admin, body: {
      name: 'ci-deploy', scopes: ['deployments:read', 'deployments:write'], namespaces: [mine], expire_at: '2099-01-01T00:00:00+01:00',
    } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.token, /^ring_pat_[0-9a-f]{64}$/);
    assert.equal(r.json.token_prefix, r.json.token.slice(0, 15));
    assert.deepEqual([r.json.name, r.json.scopes, r.json.namespaces, r.json.expire_at],
      ['ci-deploy', ['deployments:read', 'deployments:write'], [mine], '2098-12-31T23:00:00.000Z']);
    assert.equal(r.json.message, 'Copy this token now — it will not be shown again.');
    const db = new Database(s.dbPath, { readonly: true });
    const row = db.prepare('SELECT * FROM token WHERE id = ?').get(r.json.id) as Record<string, string>;
    db.close();
    assert.equal(row.token_hash, hashToken(r.json.token));
    assert.ok(!JSON.stringify(row).includes(r.json.token), 'the clear token is nowhere in its row');
    assert.equal(row.kind, 'pat');
  });

  test('bad input: every violation at once (422), with Ring codes', async () => {
    const r = await s.request('POST', '/tokens', { token: admin, body: { name: '-', scopes: ['deployments:read', 'root'], expire_at: 'next week' } });
    assert.equal(r.status, 422);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(codes(r.json), ['name token.name.length', 'name token.name.format', 'scopes[1] token.scopes.unknown', 'expire_at token.expire_at.format']);
    const empty = await s.request('POST', '/tokens', { token: admin, body: { name: 'ok', scopes: [] } });
    assert.deepEqual(codes(empty.json), ['scopes token.scopes.empty']);
    const db = new Database(s.dbPath, { readonly: true });
    const n = (db.prepare("SELECT count(*) AS n FROM token WHERE name IN ('-', 'ok')").get() as { n: number }).n;
    db.close();
    assert.equal(n, 0, 'nothing stored');
  });

  test('list (newest first, no sessions, no secrets) and get; others\' and session tokens are 404', async () => {
    const a = await pat({ name: 'first', scopes: ['deployments:read'] });
    const b = await pat({ name: 'session', scopes: ['deployments:read'] });
    const list = await s.request('GET', '/tokens', { token: admin });
    assert.equal(list.status, 200);
    const ids = list.json.map((t: { id: string }) => t.id);
    assert.ok(ids.indexOf(b.id) < ids.indexOf(a.id), 'newest first');
    assert.ok(list.json.every((t: Record<string, unknown>) => !('token' in t) && !('token_hash' in t)));
    assert.deepEqual(Object.keys(list.json[0]).sort(),
      ['created_at', 'expire_at', 'id', 'last_used_at', 'name', 'namespaces', 'revoked_at', 'scopes', 'token_prefix']);
    const db = new Database(s.dbPath, { readonly: true });
    const sessions = (db.prepare("SELECT id FROM token WHERE kind = 'session'").all() as { id: string }[]).map((r) => r.id);
    db.close();
    assert.ok(sessions.length > 0 && sessions.every((id) => !ids.includes(id)), 'sessions are not listed');
    assert.equal((await s.request('GET', `/tokens/${sessions[0]}`, { token: admin })).status, 404);

    const got = await s.request('GET', `/tokens/${a.id}`, { token: admin });
    assert.equal(got.status, 200);
    assert.equal(got.json.name, 'first');
    const missing = await s.request('GET', '/tokens/00000000-0000-4000-8000-000000000000', { token: admin });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.detail, 'token not found');

    // Another admin's token is not yours to see, revoke or rotate.
    const other = await s.request('POST', '/users', { token: admin, body: { username: `adm${Date.now()}`, password: 'a-long-password' } });
    assert.equal((await s.request('PUT', `/users/${other.json.id}`, { token: admin, body: { role: 'admin' } })).status, 200);
    const otherSession = (await s.request('POST', '/login', { body: { username: other.json.username, password: 'a-long-password' } })).json.token;
    const theirPat = await s.request('POST', '/tokens', { token: otherSession, body: { name: 'theirs', scopes: ['admin'] } });
    assert.equal(theirPat.status, 201);
    for (const [m, p] of [['GET', ''], ['DELETE', ''], ['POST', '/rotate']] as const) {
      assert.equal((await s.request(m, `/tokens/${theirPat.json.id}${p}`, { token: admin })).status, 404, `${m} ${p}`);
    }
    assert.equal((await s.request('GET', '/users/me', { token: theirPat.json.token })).status, 200, 'still valid');
  });

  test('revoke: 204, then the token answers 401 and shows revoked_at; revoking again is harmless', async () => {
    const t = await pat({ name: 'to-revoke', scopes: ['users:read'] });
    assert.equal((await s.request('GET', '/users/me', { token: t.token })).status, 200);
    assert.equal((await s.request('DELETE', `/tokens/${t.id}`, { token: admin })).status, 204);
    const r = await s.request('GET', '/users/me', { token: t.token });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    const shown = (await s.request('GET', `/tokens/${t.id}`, { token: admin })).json;
    assert.ok(shown.revoked_at && !Number.isNaN(Date.parse(shown.revoked_at)));
    assert.ok(shown.last_used_at, 'last use recorded');
    assert.equal((await s.request('DELETE', `/tokens/${t.id}`, { token: admin })).status, 204);
    assert.equal((await s.request('POST', `/tokens/${t.id}/rotate`, { token: admin })).status, 409, 'a revoked token is not rotated back to life');
  });

  test('rotate: a new secret with the same name, scopes, namespaces and expiry; the old one stops working', async () => {
    const old = await pat({ name: 'rotating', scopes: ['deployments:read'], namespaces: [mine], expire_at: '2099-06-01T00:00:00Z' });
    const r = await s.request('POST', `/tokens/${old.id}/rotate`, { token: admin });
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.id, old.id);
    assert.notEqual(r.json.token, old.token);
    assert.deepEqual([r.json.name, r.json.scopes, r.json.namespaces, r.json.expire_at], ['rotating', ['deployments:read'], [mine], '2099-06-01T00:00:00.000Z']);
    assert.equal((await s.request('GET', '/deployments', { token: old.token })).status, 401);
    assert.equal((await s.request('GET', '/deployments', { token: r.json.token })).status, 200);
  });

  test('expired → 401: a past expiry is accepted (Ring) and never works; a short one stops working', async () => {
    const past = await pat({ name: 'past', scopes: ['admin'], expire_at: '2000-01-01T00:00:00Z' });
    const r = await s.request('GET', '/users/me', { token: past.token });
    assert.equal(r.status, 401);
    assert.equal(r.json.detail, 'Token expired');
    const soon = await pat({ name: 'soon', scopes: ['admin'], expire_at: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await s.request('GET', '/users/me', { token: soon.token })).status, 200);
    await sleep(1600);
    assert.equal((await s.request('GET', '/users/me', { token: soon.token })).status, 401);
  });

  test('scopes are enforced, admin covers every scope', async () => {
    const reader = await pat({ name: 'reader', scopes: ['deployments:read'] });
    assert.equal((await s.request('GET', '/deployments', { token: reader.token })).status, 200);
    assert.equal((await s.request('GET', '/node/get', { token: reader.token })).status, 200);
    const write = await s.request('DELETE', `/deployments/${deployments[theirs]}`, { token: reader.token });
    assert.equal(write.status, 403);
    assert.equal(write.json.detail, "token lacks required scope 'deployments:write'");
    assert.equal((await s.request('GET', '/namespaces', { token: reader.token })).status, 403);
    assert.equal((await s.request('GET', '/tokens', { token: reader.token })).json.detail, "token lacks required scope 'admin'");
    const me = (await s.request('GET', '/users/me', { token: admin })).json;
    const pw = await s.request('PUT', `/users/${me.id}`, { token: (await pat({ name: 'ur', scopes: ['users:read'] })).token, body: { password: 'changed-password' } });
    assert.equal(pw.status, 403, 'a narrow PAT cannot turn itself into a password (and a full session)');
    const all = await pat({ name: 'all', scopes: ['admin'] });
    assert.equal((await s.request('GET', '/namespaces', { token: all.token })).status, 200);
  });

  test('a namespace-scoped token sees only its namespace and gets 403 on another namespace\'s deployment', async () => {
    const t = await pat({ name: 'confined', namespaces: [mine],
      scopes: ['deployments:read', 'deployments:write', 'namespaces:read', 'namespaces:write', 'users:read', 'users:write'] });
    const list = await s.request('GET', '/deployments', { token: t.token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.map((d: { id: string }) => d.id), [deployments[mine]]);
    assert.deepEqual((await s.request('GET', `/deployments?namespace=${theirs}`, { token: t.token })).json, []);
    assert.deepEqual((await s.request('GET', '/namespaces', { token: t.token })).json.map((n: { name: string }) => n.name), [mine]);
    assert.equal((await s.request('GET', `/deployments/${deployments[mine]}`, { token: t.token })).status, 200);

    const id = deployments[theirs];
    for (const path of [`/deployments/${id}`, `/deployments/${id}/events`, `/deployments/${id}/logs`, `/deployments/${id}/metrics`,
      `/deployments/${id}/health-checks`, `/namespaces/${theirs}`]) {
      const r = await s.request('GET', path, { token: t.token });
      assert.equal(r.status, 403, path);
      assert.equal(r.json.detail, `token is not scoped to namespace '${theirs}'`, path);
    }
    for (const [method, path, body] of [
      ['DELETE', `/deployments/${id}`, undefined],
      ['DELETE', `/namespaces/${theirs}`, undefined],
      ['POST', '/deployments', { name: 'x', namespace: theirs, runtime: 'docker', image: BUSYBOX_IMAGE }],
      ['POST', '/namespaces', { name: `${theirs}-2` }],
    ] as const) {
      const r = await s.request(method, path, { token: t.token, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.match(r.json.detail, /^token is not scoped to namespace '/);
    }
    const target = (await s.request('GET', `/deployments/${id}`, { token: admin })).json;
    assert.equal(target.status === 'deleted', false, 'the other namespace\'s deployment is untouched');

    // Users live outside namespaces: a confined token cannot mint a way out through them.
    const u = await s.request('POST', '/users', { token: t.token, body: { username: 'escape', password: 'a-long-password' } });
    assert.equal(u.status, 403);
    assert.match(u.json.detail, /cannot create users/);
  });

  test('a namespace-scoped admin token cannot widen itself through /tokens', async () => {
    const confined = await pat({ name: 'confined-admin', scopes: ['admin'], namespaces: [mine] });
    const open = await pat({ name: 'open', scopes: ['admin'] });
    const wide = await s.request('POST', '/tokens', { token: confined.token, body: { name: 'wider', scopes: ['admin'] } });
    assert.equal(wide.status, 403);
    assert.equal(wide.json.detail, 'token is not scoped to every namespace');
    const other = await s.request('POST', '/tokens', { token: confined.token, body: { name: 'other', scopes: ['admin'], namespaces: [mine, theirs] } });
    assert.equal(other.status, 403);
    assert.equal(other.json.detail, `token is not scoped to namespace '${theirs}'`);
    const narrow = await s.request('POST', '/tokens', { token: confined.token, body: { name: 'narrow', scopes: ['deployments:read'], namespaces: [mine] } });
    assert.equal(narrow.status, 201);
    const listed = (await s.request('GET', '/tokens', { token: confined.token })).json.map((t: { id: string }) => t.id);
    assert.ok(listed.includes(narrow.json.id) && listed.includes(confined.id));
    assert.ok(!listed.includes(open.id), 'unconfined tokens are filtered out');
    for (const [m, p] of [['GET', ''], ['DELETE', ''], ['POST', '/rotate']] as const) {
      const r = await s.request(m, `/tokens/${open.id}${p}`, { token: confined.token });
      assert.equal(r.status, 403, `${m} ${p}`);
    }
    assert.equal((await s.request('GET', '/users/me', { token: open.token })).status, 200, 'the open token was not revoked');
  });
});
