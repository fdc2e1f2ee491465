import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { hashToken } from '../../../src/api/tokens.js';

describe('login and logout', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.close());

  test('login mints a distinct ring_pat_ token per login, and only its hash is stored', async () => {
    const a = await s.adminToken();
    const b = await s.adminToken();
    assert.match(a, /^ring_pat_[0-9a-f]{64}$/);
    assert.notEqual(a, b);
    const db = new Database(s.dbPath, { readonly: true });
    const rows = db.prepare('SELECT token_hash FROM token').all() as { token_hash: string }[];
    db.close();
    assert.ok(rows.some((r) => r.token_hash === hashToken(a)));
    assert.ok(rows.every((r) => !r.token_hash.includes('ring_pat_')));
  });

  test('wrong credentials are a 401 problem', async () => {
    const r = await s.request('POST', '/login', { body: { username: 'admin', password: 'nope' } });
    assert.equal(r.status, 401);
    assert.equal(r.json.detail, 'invalid credentials');
    const u = await s.request('POST', '/login', { body: { username: 'ghost', password: 'changeme' } });
    assert.equal(u.status, 401);
  });

  test('a token works until logout, then answers 401', async () => {
    const token = await s.adminToken();
    assert.equal((await s.request('GET', '/users/me', { token })).json.username, 'admin');
    assert.equal((await s.request('POST', '/logout', { token })).status, 204);
    assert.equal((await s.request('GET', '/users/me', { token })).status, 401);
    assert.equal((await s.request('POST', '/logout', { token })).status, 401);
  });

  test('the first start seeds admin and warns to change its password', () => {
    assert.match(s.logs(), /changeme/);
  });

  test('users: create validates every rule at once, duplicates conflict, role changes need admin', async () => {
    const token = await s.adminToken();
    const bad = await s.request('POST', '/users', { token, body: { username: '-', password: 'short' } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.violations.map((v: { code: string }) => v.code).sort(),
      ['user.password.length', 'user.username.format', 'user.username.length']);
    const ok = await s.request('POST', '/users', { token, body: { username: 'alice', password: 'password123' } });
    assert.equal(ok.status, 201);
    assert.equal(ok.json.updated_at, null);
    assert.equal(ok.json.login_at, null);
    assert.equal((await s.request('POST', '/users', { token, body: { username: 'alice', password: 'password123' } })).status, 409);
    const alice = (await s.request('POST', '/login', { body: { username: 'alice', password: 'password123' } })).json.token;
    assert.equal((await s.request('PUT', `/users/${ok.json.id}`, { token: alice, body: { role: 'admin' } })).status, 403);
    assert.equal((await s.request('PUT', `/users/${ok.json.id}`, { token: alice, body: { password: 'newpassword1' } })).status, 200);
    assert.equal((await s.request('POST', '/login', { body: { username: 'alice', password: 'newpassword1' } })).status, 200);
    assert.equal((await s.request('PUT', `/users/${ok.json.id}`, { token, body: { role: 'operator' } })).status, 200);
    assert.equal((await s.request('GET', '/users/me', { token: alice })).status, 401, 'a role change revokes the user\'s tokens');
    const me = (await s.request('GET', '/users/me', { token })).json;
    assert.equal((await s.request('DELETE', `/users/${me.id}`, { token })).status, 403, 'no self-delete');
    assert.equal((await s.request('PUT', `/users/${me.id}`, { token, body: { role: 'viewer' } })).status, 409, 'last admin');
    assert.equal((await s.request('DELETE', `/users/${ok.json.id}`, { token })).status, 204);
    assert.equal((await s.request('DELETE', `/users/${ok.json.id}`, { token })).status, 404);
  });

  test('GET /node/get describes the host', async () => {
    const token = await s.adminToken();
    const r = await s.request('GET', '/node/get', { token });
    assert.equal(r.status, 200);
    assert.ok(r.json.cpu_count >= 1);
    assert.match(r.json.uptime, /^\d+s$/);
  });
});
