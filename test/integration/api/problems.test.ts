// Every error the API answers is RFC 7807 problem+json, and bad input changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';

function assertProblem(r: { status: number; headers: Headers; json: any }, status: number) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(r.json.type, 'about:blank');
  assert.ok(Array.isArray(r.json.violations));
}

describe('problem+json answers', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer();
    token = await s.adminToken();
  });
  after(() => s.close());

  test('GET /healthz answers UP without a token', async () => {
    const r = await s.request('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { state: 'UP' });
  });

  test('the spec is served at GET /openapi.yaml', async () => {
    const r = await s.request('GET', '/openapi.yaml');
    assert.equal(r.status, 200);
    assert.match(r.text, /^openapi: 3\.1/);
  });

  test('malformed JSON is a 400', async () => {
    assertProblem(await s.request('POST', '/namespaces', { token, rawBody: '{"name": ' }), 400);
  });

  test('a body that does not match the schema is a 400 listing each structural error', async () => {
    const r = await s.request('POST', '/namespaces', { token, body: { name: 42 } });
    assertProblem(r, 400);
    assert.equal(r.json.violations[0].property_path, 'name');
  });

  test('an unsupported content type is a 415', async () => {
    assertProblem(await s.request('POST', '/namespaces', { token, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415);
  });

  test('no token, a garbage token and a well-formed unknown token are 401', async () => {
    assertProblem(await s.request('GET', '/deployments'), 401);
    assertProblem(await s.request('GET', '/deployments', { token: 'garbage' }), 401);
    assertProblem(await s.request('GET', '/deployments', { token: 'ring_pat_' + '0'.repeat(64) }), 401);
  });

  test('an unknown route is a 404 even without a token', async () => {
    assertProblem(await s.request('GET', '/nope'), 404);
    assertProblem(await s.request('GET', '/nope', { token }), 404);
  });

  test('a missing resource is a 404', async () => {
    assertProblem(await s.request('GET', '/namespaces/does-not-exist', { token }), 404);
    assertProblem(await s.request('GET', '/deployments/00000000-0000-4000-8000-000000000000', { token }), 404);
  });

  test('a token lacking the scope is a 403 naming it', async () => {
    const create = await s.request('POST', '/users', { token, body: { username: 'viewer1', password: 'password123' } });
    assert.equal(create.status, 201);
    const login = await s.request('POST', '/login', { body: { username: 'viewer1', password: 'password123' } });
    const r = await s.request('POST', '/namespaces', { token: login.json.token, body: { name: 'forbidden-ns' } });
    assertProblem(r, 403);
    assert.match(r.json.detail, /namespaces:write/);
    const list = await s.request('GET', '/namespaces', { token });
    assert.ok(!list.json.some((n: { name: string }) => n.name === 'forbidden-ns'), 'nothing written');
  });

  test('a duplicate namespace is a 409', async () => {
    assert.equal((await s.request('POST', '/namespaces', { token, body: { name: 'dup-ns' } })).status, 201);
    const r = await s.request('POST', '/namespaces', { token, body: { name: 'dup-ns' } });
    assertProblem(r, 409);
    assert.match(r.json.detail, /already exists/);
  });

  test('a namespace name breaking both rules reports both violations at once', async () => {
    const r = await s.request('POST', '/namespaces', { token, body: { name: '-' } });
    assertProblem(r, 422);
    assert.deepEqual(r.json.violations.map((v: { code: string }) => v.code).sort(), ['namespace.name.format', 'namespace.name.length']);
    assert.match(r.json.detail, /^name: /);
  });

  test('a deployment with three domain errors reports all three, and nothing is created', async () => {
    const before = (await s.request('GET', '/deployments', { token })).json.length;
    const r = await s.request('POST', '/deployments', {
      token,
      body: { name: 'bad', namespace: 'probs', runtime: 'docker', image: 'x', replicas: -1,
        ports: [{ published: 70000, target: 80 }], environment: { '1BAD': 'x' } },
    });
    assertProblem(r, 422);
    const codes = r.json.violations.map((v: { code: string }) => v.code);
    assert.ok(codes.includes('deployment.ports.published.out_of_range'), codes.join());
    assert.ok(codes.includes('deployment.environment.key.invalid'), codes.join());
    assert.ok(codes.some((c: string) => c.startsWith('deployment.replicas.')), codes.join());
    assert.equal((await s.request('GET', '/deployments', { token })).json.length, before);
    assert.equal((await s.request('GET', '/namespaces/probs', { token })).status, 404, 'namespace not auto-created');
  });

  test('a non-empty namespace cannot be deleted (409 with the count)', async () => {
    const created = await s.request('POST', '/deployments', {
      token, body: { name: 'keeper', namespace: 'busy-ns', runtime: 'docker', image: 'ring-test/none:1', replicas: 0 },
    });
    assert.equal(created.status, 201, created.text);
    const r = await s.request('DELETE', '/namespaces/busy-ns', { token });
    assertProblem(r, 409);
    assert.equal(r.json.remaining, 1);
    await s.request('DELETE', `/deployments/${created.json.id}`, { token });
  });
});
