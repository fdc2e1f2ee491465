// The /secrets, /configs and /volumes endpoints against a real server and ring.db (no containers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020.js';
import { componentSchemas } from '../../../generated/routes.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

// Every answer checked against the schema openapi.yaml declares for it.
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'components.json', components: { schemas: componentSchemas } });
function conforms(schema: string, body: unknown): void {
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    const ok = ajv.validate({ $ref: `components.json#/components/schemas/${schema}` }, item);
    assert.ok(ok, `${schema}: ${ajv.errorsText()} in ${JSON.stringify(item)}`);
  }
}

const codes = (body: any) => (body.violations as { property_path: string; code: string }[]).map((v) => `${v.property_path}:${v.code}`);

describe('secrets, configs and volumes API', () => {
  let srv: TestServer;
  let token: string;
  const ns = `sec-${randomBytes(4).toString('hex')}`;
  const call = (method: string, path: string, body?: unknown) => srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    srv = await startTestServer();
    token = await srv.adminToken();
    assert.equal((await call('POST', '/namespaces', { name: ns })).status, 201);
  });
  after(async () => {
    await srv.close();
    // Nothing here starts a container, so the namespace network should not exist; remove it if it does.
    spawnSync('docker', ['network', 'rm', `ring_${ns}`], { stdio: 'ignore' });
  });

  describe('secrets', () => {
    test('create → 201 {id, created_at, namespace, name}; list and get never carry the value', async () => {
      const r = await call('POST', '/secrets', { namespace: ns, name: 'db-pass', value: 'v-123' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.json).sort(), ['created_at', 'id', 'name', 'namespace']);
      conforms('SecretCreated', r.json);
      assert.equal(r.json.name, 'db-pass');
      assert.equal(r.json.namespace, ns);

      const list = await call('GET', `/secrets?namespace=${ns}`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.map((s: any) => s.name), ['db-pass']);
      assert.deepEqual(Object.keys(list.json[0]).sort(), ['created_at', 'id', 'name', 'namespace', 'updated_at']);
      const one = await call('GET', `/secrets/${r.json.id}`);
      assert.equal(one.status, 200);
      conforms('Secret', [...list.json, one.json]);
      assert.equal(one.json.updated_at, '');
      assert.equal((await call('GET', '/secrets')).json.some((s: any) => s.id === r.json.id), true);
      for (const text of [list.text, one.text, r.text]) assert.doesNotMatch(text, /v-123/);
    });

    test('duplicate → 409 problem; unknown namespace → 404 problem', async () => {
      const dup = await call('POST', '/secrets', { namespace: ns, name: 'db-pass', value: 'other' });
      assert.equal(dup.status, 409);
      assert.match(dup.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(dup.json.detail, `secret 'db-pass' already exists in namespace '${ns}'`);
      const nons = await call('POST', '/secrets', { namespace: 'no-such-ns', name: 'x1', value: 'v' });
      assert.equal(nons.status, 404);
      assert.equal(nons.json.detail, "namespace 'no-such-ns' does not exist");
    });

    test('every violation at once (422)', async () => {
      const r = await call('POST', '/secrets', { namespace: '-', name: '-', value: '' });
      assert.equal(r.status, 422);
      assert.deepEqual(codes(r.json), [
        'namespace:secret.namespace.length', 'namespace:secret.namespace.format',
        'name:secret.name.length', 'name:secret.name.format', 'value:secret.value.length',
      ]);
      const big = await call('POST', '/secrets', { namespace: ns, name: 'big', value: 'x'.repeat(1024 * 1024 + 1) });
      assert.equal(big.status, 422);
      assert.deepEqual(codes(big.json), ['value:secret.value.length']);
      const missing = await call('POST', '/secrets', { namespace: ns, name: 'nov' });
      assert.equal(missing.status, 400);
    });

    test('delete: 409 listing the deployments that use it, 204 with force, 404 after', async () => {
      const sec = await call('POST', '/secrets', { namespace: ns, name: 'used', value: 'u' });
      assert.equal(sec.status, 201);
      // Three ways to use it; the deployment never runs (the image does not exist and nothing pulls).
      const base = { namespace: ns, runtime: 'docker', image: 'ring-test/nope:1', config: { image_pull_policy: 'Never' } };
      const env = await call('POST', '/deployments', { ...base, name: 'by-env', environment: { P: { secretRef: 'used' } } });
      const file = await call('POST', '/deployments', { ...base, name: 'by-file',
        volumes: [{ type: 'secret', source: 'used', destination: '/run/s', driver: 'local', permission: 'ro' }] });
      const pull = await call('POST', '/deployments', { ...base, name: 'by-pull', config: { image_pull_policy: 'Never', image_pull_secret: 'used' } });
      assert.deepEqual([env.status, file.status, pull.status], [201, 201, 201], env.text + file.text + pull.text);

      const refused = await call('DELETE', `/secrets/${sec.json.id}`);
      assert.equal(refused.status, 409);
      assert.match(refused.headers.get('content-type') ?? '', /problem\+json/);
      assert.deepEqual([...refused.json.deployments].sort(), [`${ns}/by-env`, `${ns}/by-file`, `${ns}/by-pull`]);
      assert.equal(refused.json.hint, 'Use ?force=true to delete anyway');
      conforms('Problem', refused.json);

      // Deleted deployments no longer count.
      for (const d of [env, file]) assert.equal((await call('DELETE', `/deployments/${d.json.id}`)).status, 204);
      const stillPull = await call('DELETE', `/secrets/${sec.json.id}`);
      assert.equal(stillPull.status, 409);
      assert.deepEqual(stillPull.json.deployments, [`${ns}/by-pull`]);

      assert.equal((await call('DELETE', `/secrets/${sec.json.id}?force=true`)).status, 204);
      const gone = await call('DELETE', `/secrets/${sec.json.id}`);
      assert.equal(gone.status, 404);
      assert.equal((await call('GET', `/secrets/${sec.json.id}`)).status, 404);
      assert.equal((await call('DELETE', `/deployments/${pull.json.id}`)).status, 204);
    });
  });

  describe('configs', () => {
    let id = '';
    test('create → 201 with data and labels; list by namespace and name; get', async () => {
      const r = await call('POST', '/configs', { namespace: ns, name: 'app', data: '{"app.conf":"port=80"}', labels: 'team=a' });
      assert.equal(r.status, 201, r.text);
      id = r.json.id;
      assert.deepEqual(
        { ...r.json, id: undefined, created_at: undefined },
        { id: undefined, created_at: undefined, updated_at: '', namespace: ns, name: 'app', data: '{"app.conf":"port=80"}', labels: 'team=a' },
      );
      conforms('Config', r.json);
      const byName = await call('GET', `/configs?namespace=${ns}&name=app`);
      conforms('Config', byName.json);
      assert.deepEqual(byName.json.map((c: any) => c.id), [id]);
      assert.deepEqual((await call('GET', `/configs?namespace=${ns}&name=other`)).json, []);
      assert.equal((await call('GET', `/configs/${id}`)).json.name, 'app');
    });

    test('409 on a duplicate, 422 with every code', async () => {
      const dup = await call('POST', '/configs', { namespace: ns, name: 'app', data: '{}' });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.detail, `configuration 'app' already exists in namespace '${ns}'`);
      const bad = await call('POST', '/configs', { namespace: 'x', name: 'Bad_Name', data: '', labels: 'l'.repeat(1001) });
      assert.equal(bad.status, 422);
      assert.deepEqual(codes(bad.json), ['namespace:config.namespace.length', 'name:config.name.format', 'data:config.data.length', 'labels:config.labels.length']);
    });

    test('PUT replaces data (JSON checked) and sets updated_at; 404 for an unknown id', async () => {
      const bad = await call('PUT', `/configs/${id}`, { name: 'app', data: 'not json' });
      assert.equal(bad.status, 422);
      assert.deepEqual(codes(bad.json), ['data:config.data.invalid_json']);
      const ok = await call('PUT', `/configs/${id}`, { name: 'app', data: '{"app.conf":"port=81"}' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.data, '{"app.conf":"port=81"}');
      assert.equal(ok.json.labels, '');
      assert.notEqual(ok.json.updated_at, '');
      const other = await call('POST', '/configs', { namespace: ns, name: 'other', data: '{}' });
      assert.equal(other.status, 201);
      const clash = await call('PUT', `/configs/${other.json.id}`, { name: 'app', data: '{}' });
      assert.equal(clash.status, 409);
      const missing = await call('PUT', '/configs/00000000-0000-4000-8000-000000000000', { name: 'app', data: '{}' });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.detail, "configuration '00000000-0000-4000-8000-000000000000' does not exist");
      assert.equal((await call('DELETE', `/configs/${other.json.id}`)).status, 204);
      assert.equal((await call('GET', `/configs/${other.json.id}`)).status, 404);
    });
  });

  describe('volumes', () => {
    test('create → 201 {id, created_at, namespace, name, backend_type}; get; list', async () => {
      const r = await call('POST', '/volumes', { namespace: ns, name: 'data', size: '1Gi', labels: { a: 'b' } });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.json).sort(), ['backend_type', 'created_at', 'id', 'name', 'namespace']);
      assert.equal(r.json.backend_type, 'local');
      conforms('NamedVolumeCreated', r.json);
      const one = await call('GET', `/volumes/${r.json.id}`);
      conforms('NamedVolume', one.json);
      assert.deepEqual({ ...one.json, id: undefined, created_at: undefined }, {
        id: undefined, created_at: undefined, updated_at: '', namespace: ns, name: 'data', size: '1Gi', backend_type: 'local', host_path: null, labels: { a: 'b' },
      });
      assert.deepEqual((await call('GET', `/volumes?namespace=${ns}`)).json.map((v: any) => v.name), ['data']);
    });

    test('409 duplicate, 404 unknown namespace, 422 codes', async () => {
      assert.equal((await call('POST', '/volumes', { namespace: ns, name: 'data' })).status, 409);
      const nons = await call('POST', '/volumes', { namespace: 'no-such-ns', name: 'data' });
      assert.equal(nons.status, 404);
      const bad = await call('POST', '/volumes', { namespace: ns, name: 'D', backend_type: 'nfs' });
      assert.equal(bad.status, 422);
      conforms('Problem', bad.json);
      assert.deepEqual(codes(bad.json), ['name:volume.name.length', 'name:volume.name.format', 'backend_type:volume.backend_type.unsupported']);
    });

    test('a deployment registers the named volumes it mounts; delete is 409 while used, unless force', async () => {
      const d = await call('POST', '/deployments', {
        namespace: ns, name: 'vol-user', runtime: 'docker', image: 'ring-test/nope:1', config: { image_pull_policy: 'Never' },
        volumes: [{ type: 'volume', source: 'auto-vol', destination: '/data', driver: 'local', permission: 'rw' }],
      });
      assert.equal(d.status, 201, d.text);
      const auto = (await call('GET', `/volumes?namespace=${ns}`)).json.find((v: any) => v.name === 'auto-vol');
      assert.ok(auto, 'auto-vol was not registered');
      assert.equal(auto.backend_type, 'local');
      assert.deepEqual(auto.labels, { 'ring.managed': 'true', 'ring.namespace': ns, 'ring.deployment': 'vol-user' });

      const refused = await call('DELETE', `/volumes/${auto.id}`);
      assert.equal(refused.status, 409);
      assert.deepEqual(refused.json.deployments, [`${ns}/vol-user`]);
      assert.equal(refused.json.hint, 'Use ?force=true to delete anyway');
      assert.equal((await call('DELETE', `/volumes/${auto.id}?force=true`)).status, 204);
      assert.equal((await call('DELETE', `/volumes/${auto.id}`)).status, 404);
      assert.equal((await call('DELETE', `/deployments/${d.json.id}`)).status, 204);
    });
  });

  test('a namespace holding secrets or configs is not empty', async () => {
    const other = `${ns}-b`;
    assert.equal((await call('POST', '/namespaces', { name: other })).status, 201);
    const s = await call('POST', '/secrets', { namespace: other, name: 'k1', value: 'v' });
    const refused = await call('DELETE', `/namespaces/${other}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.remaining, 1);
    assert.equal((await call('DELETE', `/secrets/${s.json.id}`)).status, 204);
    assert.equal((await call('POST', '/volumes', { namespace: other, name: 'kept' })).status, 201);
    assert.equal((await call('DELETE', `/namespaces/${other}`)).status, 204);
    assert.deepEqual((await call('GET', `/volumes?namespace=${other}`)).json, []);
  });

  test('a viewer (every :read scope) lists secrets, configs and volumes but cannot write them', async () => {
    const user = `v${randomBytes(3).toString('hex')}`;
    assert.equal((await call('POST', '/users', { username: user, password: 'a-long-password' })).status, 201);
    const login = await srv.request('POST', '/login', { body: { username: user, password: 'a-long-password' } });
    const viewer = login.json.token as string;
    for (const path of ['/secrets', '/configs', '/volumes']) {
      assert.equal((await srv.request('GET', path, { token: viewer })).status, 200, path);
    }
    const writes: [string, unknown][] = [
      ['/secrets', { namespace: ns, name: 'viewer-made', value: 'v' }],
      ['/configs', { namespace: ns, name: 'viewer-made', data: '{}' }],
      ['/volumes', { namespace: ns, name: 'viewer-made' }],
    ];
    for (const [path, body] of writes) {
      const r = await srv.request('POST', path, { token: viewer, body });
      assert.equal(r.status, 403, path);
      assert.match(r.json.detail, /token lacks required scope '(secrets|configs|volumes):write'/);
    }
    assert.equal((await srv.request('GET', '/secrets')).status, 401);
  });
});
