// Each probe type against real containers on the Docker engine: succeeding, failing and timing
// out, at the instance's bridge IP (tcp, http) or through docker exec (command).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runProbe, type ProbeResult } from '../../../src/reconciler/probes.js';
import type { HealthCheckSpec } from '../../../src/domain/deployment.js';
import { createDockerRuntime } from '../../../src/runtime/docker/index.js';
import type { Instance, InstanceSpec } from '../../../src/runtime/runtime.js';
import { BUSYBOX_IMAGE, HTTPD_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { docker } from './support.js';

const runtime = createDockerRuntime('unix:///var/run/docker.sock');
const ns = uniqueNamespace('hcp');

function spec(over: Partial<InstanceSpec>): InstanceSpec {
  return {
    deploymentId: `probe-${ns}`, namespace: ns, name: 'probe', image: HTTPD_IMAGE, pullPolicy: 'Never', command: [], env: {},
    labels: {}, ports: [], mounts: [], files: [], networkMode: 'bridge', privileged: false, ...over,
  };
}

const check = (over: Partial<HealthCheckSpec>): HealthCheckSpec => ({ type: 'tcp', interval: '1s', timeout: '1s', ...over });

let httpd: Instance;
/** An httpd whose /sub is a directory (busybox answers 302 to /sub/) and that has a listener on 81 that never answers. */
let quirky: Instance;
/** The address a removed container had: nothing answers ARP there, so a connect hangs. */
let vanishedAddress: string;

async function probe(c: HealthCheckSpec, i: Instance): Promise<ProbeResult> {
  return runProbe(c, { instance: i, runtime });
}

before(async () => {
  await ensureTestImages();
  httpd = (await runtime.create(spec({}))).instance;
  quirky = (await runtime.create(spec({
    name: 'quirky',
    command: ['sh', '-c', 'mkdir -p /www/sub && (sleep 3600 | nc -l -p 81 >/dev/null &) ; exec httpd -f -p 80 -h /www'],
  }))).instance;
  const gone = (await runtime.create(spec({ name: 'gone', image: BUSYBOX_IMAGE }))).instance;
  assert.ok(gone.address);
  vanishedAddress = gone.address;
  await runtime.remove(gone.id);
  // httpd binds a moment after the container starts.
  for (let k = 0; k < 50 && (await probe(check({ port: 80 }), httpd)).status !== 'success'; k++) await new Promise((r) => setTimeout(r, 50));
});

after(async () => {
  await removeNamespaceArtifacts([ns], docker);
});

describe('probes on Docker', () => {
  test('tcp: success on a listening port, failed on a closed one, timeout where nothing answers', async () => {
    assert.deepEqual(await probe(check({ port: 80 }), httpd), { status: 'success', message: `TCP connection to ${httpd.address}:80 successful` });
    const closed = await probe(check({ port: 8081 }), httpd);
    assert.equal(closed.status, 'failed');
    assert.match(closed.message, /ECONNREFUSED/);
    // 'timeout' comes only from the check's own timer (the kernel's connect timeout would say 'failed').
    assert.deepEqual(await probe(check({ port: 80, timeout: '500ms' }), { ...httpd, address: vanishedAddress }),
      { status: 'timeout', message: 'Health check timed out' });
  });

  test('http: 2xx succeeds at the instance IP, 404 and 3xx fail (no redirect followed), a mute listener times out', async () => {
    assert.deepEqual(await probe(check({ type: 'http', url: 'http://localhost:80/health' }), httpd),
      { status: 'success', message: `HTTP check successful (200) for http://${httpd.address}/health` });
    const missing = await probe(check({ type: 'http', url: 'http://localhost/missing' }), httpd);
    assert.equal(missing.status, 'failed');
    assert.match(missing.message, /status 404/);
    const redirect = await probe(check({ type: 'http', url: 'http://localhost/sub' }), quirky);
    assert.equal(redirect.status, 'failed');
    assert.match(redirect.message, /status 30\d .*redirects are not followed/);
    const mute = await probe(check({ type: 'http', url: 'http://localhost:81/', timeout: '500ms' }), quirky);
    assert.deepEqual(mute, { status: 'timeout', message: 'Health check timed out' });
  });

  // A docker exec can take seconds on a loaded host; only the `sleep 5` case tests the check's own bound.
  const EXEC_BOUND = { timeout: '20s' };
  test('command: exit 0 succeeds, exit 1 fails (the exit code is checked), a slow command times out', async () => {
    assert.deepEqual(await probe(check({ type: 'command', command: 'test -f /www/health', ...EXEC_BOUND }), httpd), { status: 'success', message: 'Command exited 0' });
    assert.deepEqual(await probe(check({ type: 'command', command: 'sh -c "exit 1"', ...EXEC_BOUND }), httpd), { status: 'failed', message: 'Command exited 1' });
    const withOutput = await probe(check({ type: 'command', command: 'cat /www/missing', ...EXEC_BOUND }), httpd);
    assert.equal(withOutput.status, 'failed');
    assert.match(withOutput.message, /^Command exited 1: cat: can't open '\/www\/missing'/);
    assert.deepEqual(await probe(check({ type: 'command', command: 'wget -q -O- http://localhost/health | grep -q ok', ...EXEC_BOUND }), httpd),
      { status: 'success', message: 'Command exited 0' }, 'shell syntax runs through sh -c');
    // `sleep 5` would exit 0: 'timeout' is the check's own bound at work.
    assert.deepEqual(await probe(check({ type: 'command', command: 'sleep 5', timeout: '500ms' }), httpd),
      { status: 'timeout', message: 'Health check timed out' });
  });
});
