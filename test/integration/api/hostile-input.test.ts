// The hostile bodies, one by one, against a server with a stand-in Docker: each is refused
// with a problem naming every violation, and nothing is stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServerOnDockerStub, type TestServer } from '../../helpers/server.js';

const valid = { name: 'web', namespace: 'hostile', runtime: 'docker', image: 'ring-test/busybox:1' };

describe('hostile input', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServerOnDockerStub();
    token = await s.adminToken();
  });
  after(() => s.close());
  const post = (body: unknown) => s.request('POST', '/deployments', { token, body });
  const raw = (text: string) => s.request('POST', '/deployments', { token, rawBody: text });
  const codes = (r: { json: { violations: { property_path: string; code: string }[] } }) => r.json.violations.map((v) => `${v.property_path} ${v.code}`);

  test('replicas 1e21 is a 422 naming the documented maximum', async () => {
    const r = await raw(JSON.stringify(valid).replace('}', ',"replicas":1e21}'));
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(codes(r), ['replicas deployment.replicas.too_large']);
    assert.match(r.json.violations[0].message, /at most 1000/);
  });

  test("replicas beyond the Docker host's memory (the stand-in has 2 GiB) are a 422 with the arithmetic; what fits is accepted", async () => {
    const r = await post({ ...valid, name: 'big', replicas: 5, resources: { requests: { memory: '512Mi' } }, autoscale: { min: 1, max: 9, target_cpu: 50 } });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(codes(r), ['replicas deployment.replicas.exceeds_host_memory', 'autoscale.max deployment.replicas.exceeds_host_memory']);
    assert.equal(r.json.violations[0].message,
      '5 instances × 512 MiB (resources.requests.memory) = 2560 MiB, more than the 2048 MiB of memory the Docker host has in total; at most 4 fit — lower replicas or resources.requests.memory');
    assert.equal((await s.request('GET', '/deployments?namespace=hostile', { token })).json.filter((d: { name: string }) => d.name === 'big').length, 0, 'nothing stored');
    const fits = await s.request('POST', '/deployments?dry_run=true', { token, body: { ...valid, name: 'big', replicas: 4, resources: { requests: { memory: '512Mi' } } } });
    assert.equal(fits.status, 200, fits.text);
    assert.equal(fits.json.outcome, 'created');
  });

  test('unknown fields at any level are a 422 listing each, with the domain violations beside them', async () => {
    const r = await post({ ...valid, zz_top: 1, network: { mode: 'bridge', zz_extra: 1 }, resources: { requests: { gpu: '1' } }, environment: { '1BAD': 'x' } });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(codes(r).sort(), [
      'environment.1BAD deployment.environment.key.invalid',
      'network.zz_extra deployment.network.unknown_field',
      'resources.requests.gpu deployment.resources.unknown_field',
      'zz_top deployment.unknown_field',
    ]);
  });

  test('5,000 and 500,000 levels of nesting under an unknown field are a 400 before any parsing', async () => {
    for (const levels of [5_000, 500_000]) {
      const deep = '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
      const r = await raw(JSON.stringify({ ...valid, network: { mode: 'bridge', zz_extra: 0 } }).replace('"zz_extra":0', `"zz_extra":${deep}`));
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.deepEqual(codes(r), ['body request.body.too_deep']);
    }
  });

  test('a 1 MB image string and a NUL byte are refused', async () => {
    const r = await post({ ...valid, image: 'x'.repeat(1_000_000), command: ['sh\u0000'] });
    assert.equal(r.status, 422);
    assert.deepEqual(codes(r), ['image deployment.image.length', 'command[0] deployment.command.invalid']);
  });

  test('path traversal in a named-volume source is refused', async () => {
    const r = await post({ ...valid, volumes: [{ type: 'volume', source: '../../etc', destination: '/data', driver: 'local', permission: 'ro' }] });
    assert.equal(r.status, 422);
    assert.deepEqual(codes(r), ['volumes[0].source deployment.volumes.source.invalid']);
  });

  test('a body on an operation without one, and an undeclared query parameter, are 400s', async () => {
    const r = await s.request('POST', '/logout', { token, body: { zz: 1 } });
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ['body request.body.unexpected']);
    const q = await s.request('GET', '/deployments?namspace=typo', { token });
    assert.equal(q.status, 400);
    assert.deepEqual(codes(q), ['namspace request.query.unknown_parameter']);
  });

  test('nothing of the above was stored', async () => {
    const r = await s.request('GET', '/deployments', { token });
    assert.deepEqual(r.json, []);
  });
});
