// At-least-once across a crash: `ring server start` is SIGKILLed while a delivery is in flight (the
// receiver holds the request open), then a new server on the same ring.db sends it again.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET_KEY, startTestServer, type TestServer } from '../../helpers/server.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { Receiver, eventually, expectedSignature } from './receiver.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ring-wh-kill-'));
const ns = uniqueNamespace('whk');
let child: ChildProcess | null = null;
let second: TestServer | null = null;
let receiver: Receiver | null = null;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

after(async () => {
  child?.kill('SIGKILL');
  if (second) await second.close();
  else rmSync(dir, { recursive: true, force: true });
  await receiver?.close();
  await removeNamespaceArtifacts([ns]);
});

it('redelivers, after a kill -9 of the server, the delivery it was making', async () => {
  receiver = await Receiver.start();
  receiver.respond = () => 'hang';
  const port = await freePort();
  writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${port}\n`);
  const env = {
    PATH: process.env.PATH, HOME: dir, RING_CONFIG_DIR: dir, RING_DATABASE_PATH: join(dir, 'ring.db'), RING_SECRET_KEY: TEST_SECRET_KEY,
    RING_SCHEDULER_INTERVAL: '1', RING_WEBHOOK_ALLOW_LOOPBACK: 'true',
  };
  let output = '';
  child = spawn(process.execPath, [join(ROOT, 'bin/ring'), 'server', 'start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, 20_000, `the server to listen (${output})`);

  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const res = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) as any };
  };
  const token = (await call('POST', '/login', null, { username: 'admin', password: 'changeme' })).json.token as string;
  const hook = (await call('POST', '/webhooks', token, { url: receiver.url(), events: ['deployment.*'] })).json;
  // Never pulled and not here: the reconciler records an error and a status change, no container.
  const dep = await call('POST', '/deployments', token, {
    name: 'doomed', namespace: ns, runtime: 'docker', image: 'ring-test/does-not-exist:1', config: { image_pull_policy: 'Never' },
  });
  assert.equal(dep.status, 201);

  const [inFlight] = await receiver.waitFor(1, 15_000);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  child = null;
  assert.equal(receiver.received.length, 1, 'one request in flight per deployment stream');

  receiver.respond = () => 200;
  second = await startTestServer({ RING_WEBHOOK_ALLOW_LOOPBACK: 'true' }, dir);
  const [, again] = await receiver.waitFor(2, 30_000);
  assert.equal(again!.body, inFlight!.body, 'the same event, byte for byte');
  assert.equal(again!.signature, expectedSignature(hook.secret, inFlight!.body));
  assert.equal(again!.kind, inFlight!.kind);

  // The rest of the stream follows, in order, and the interrupted attempt was never counted.
  await eventually(() => receiver!.received.some((r) => r.json?.new_status === 'image_pull_back_off'), 10_000, 'the status change');
  const admin = await second.adminToken();
  const deliveries = (await second.request('GET', `/webhooks/${hook.id}/events?limit=1000`, { token: admin })).json as any[];
  const first = deliveries.find((d) => d.payload === inFlight!.body);
  assert.deepEqual([first?.status, first?.attempts], ['delivered', 1]);
  const kinds = receiver.received.filter((r) => r.json?.deployment_id === dep.json.id).map((r) => r.kind);
  assert.equal(kinds[0], inFlight!.kind);
});
