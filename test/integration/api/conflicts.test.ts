// Racing writes of one name: exactly one wins, every other answer is a 409 problem, never a 500.
// The handlers check "already exists?" before writing, but createUser/updateUser await a password
// hash between the check and the write, so only the store's unique constraint (ConflictError) can
// decide the race. Runs against a stand-in Docker: nothing here needs a container.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServerOnDockerStub, type TestServer } from '../../helpers/server.js';

type Res = Awaited<ReturnType<TestServer['request']>>;

function tally(results: Res[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

function assertOneWinner(results: Res[], okStatus: number): void {
  assert.deepEqual(tally(results), { [okStatus]: 1, 409: results.length - 1 }, JSON.stringify(results.filter((r) => r.status !== okStatus && r.status !== 409).map((r) => r.json)));
  for (const r of results.filter((x) => x.status === 409)) {
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(r.json.status, 409);
    assert.ok(Array.isArray(r.json.violations));
  }
}

describe('concurrent writes of one name', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServerOnDockerStub();
    token = await s.adminToken();
  });
  after(() => s.close());

  const parallel = (n: number, f: (i: number) => Promise<Res>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

  test('20 parallel POST /users with one username: one 201, nineteen 409', async () => {
    const results = await parallel(20, () => s.request('POST', '/users', { token, body: { username: 'racer', password: 'password-123' } }));
    assertOneWinner(results, 201);
    const users = await s.request('GET', '/users', { token });
    assert.equal(users.json.filter((u: { username: string }) => u.username === 'racer').length, 1);
  });

  test('two users renamed to one name in parallel: one 200, one 409', async () => {
    const ids: string[] = [];
    for (const name of ['left-user', 'right-user']) {
      const r = await s.request('POST', '/users', { token, body: { username: name, password: 'password-123' } });
      assert.equal(r.status, 201);
      ids.push(r.json.id);
    }
    const results = await Promise.all(ids.map((id) => s.request('PUT', `/users/${id}`, { token, body: { username: 'same-name', password: 'password-456' } })));
    assertOneWinner(results, 200);
  });

  test('namespaces, secrets, volumes and configs: one 201 each, the rest 409', async () => {
    assertOneWinner(await parallel(10, () => s.request('POST', '/namespaces', { token, body: { name: 'raced' } })), 201);
    assertOneWinner(await parallel(10, () => s.request('POST', '/secrets', { token, body: { namespace: 'raced', name: 'pw', value: 'v' } })), 201);
    assertOneWinner(await parallel(10, () => s.request('POST', '/volumes', { token, body: { namespace: 'raced', name: 'data' } })), 201);
    assertOneWinner(await parallel(10, () => s.request('POST', '/configs', { token, body: { namespace: 'raced', name: 'app', data: '{}' } })), 201);
  });

  test('two configs renamed to one name in parallel: one 200, one 409', async () => {
    const ids: string[] = [];
    for (const name of ['cfg-a', 'cfg-b']) {
      const r = await s.request('POST', '/configs', { token, body: { namespace: 'raced', name, data: '{}' } });
      assert.equal(r.status, 201);
      ids.push(r.json.id);
    }
    const results = await Promise.all(ids.map((id) => s.request('PUT', `/configs/${id}`, { token, body: { name: 'cfg-same', data: '{}' } })));
    assertOneWinner(results, 200);
  });

  test('tokens and webhooks created in parallel never answer 5xx', async () => {
    const tokens = await parallel(10, (i) => s.request('POST', '/tokens', { token, body: { name: 'same', scopes: ['deployments:read'] }, headers: { 'x-i': String(i) } }));
    assert.deepEqual(tally(tokens), { 201: 10 });
    const hooks = await parallel(10, () => s.request('POST', '/webhooks', { token, body: { url: 'https://hooks.example.com/ring' } }));
    assert.ok(hooks.every((r) => r.status < 500), JSON.stringify(tally(hooks)));
  });
});
