// Webhook SSRF (issue 9): a subscriber URL must not make the server call itself or the cloud
// metadata service. Every spelling of loopback, link-local, unspecified and IPv4-in-IPv6 is refused
// at creation; a hostname that resolves to loopback (DNS rebinding) is refused when delivering; a
// receiver's redirect is never followed. Nothing here ever sends to a non-loopback address: the
// only receivers are on 127.0.0.1, and the refused URLs are never delivered to (no event fires
// while they exist, and any that was wrongly accepted is deleted at once).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { Receiver } from '../webhooks/receiver.js';

const servers: TestServer[] = [];
const receivers: Receiver[] = [];
const namespaces: string[] = [];
const realLookup = dns.lookup;

after(async () => {
  dns.lookup = realLookup;
  syncBuiltinESMExports();
  for (const s of servers) await s.close();
  for (const r of receivers) await r.close();
  await removeNamespaceArtifacts(namespaces);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deployment whose image is missing: its status changes (and so its webhook events) without any container. */
async function fireEvents(srv: TestServer, token: string, ns: string): Promise<string> {
  const r = await srv.request('POST', '/deployments', {
    token, body: { name: 'ssrf-trigger', namespace: ns, runtime: 'docker', image: 'ring-test/does-not-exist:1', config: { image_pull_policy: 'Never' } },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id as string;
}

async function deliveries(srv: TestServer, token: string, hookId: string): Promise<any[]> {
  const r = await srv.request('GET', `/webhooks/${hookId}/events?limit=100`, { token });
  assert.equal(r.status, 200, r.text);
  return r.json as any[];
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('webhook SSRF', () => {
  test('every spelling of an internal address is refused at creation, and nothing is sent', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const srv = await startTestServer();
    servers.push(srv);
    const token = await srv.adminToken();
    const p = receiver.port;
    const loopback = [
      `http://127.0.0.1:${p}/`, `http://127.1:${p}/`, `http://127.255.255.254:${p}/`, `http://2130706433:${p}/`,
      `http://0x7f.1:${p}/`, `http://0x7f000001:${p}/`, `http://0177.0.0.1:${p}/`, `http://017700000001:${p}/`,
      `http://localhost:${p}/`, `http://LOCALHOST.:${p}/`, `http://api.localhost:${p}/`, `http://127.0.0.1.:${p}/`,
      `http://[::1]:${p}/`, `http://[0:0:0:0:0:0:0:1]:${p}/`, `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`,
      `http://[::127.0.0.1]:${p}/`, `https://127.0.0.1:${p}/`, `http://user:pw@127.0.0.1:${p}/`,
    ];
    const internal = [
      'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://[fe80::1]/', 'http://0.0.0.0/', 'http://0/',
      'http://[::]/', 'http://[::ffff:0.0.0.0]/',
    ];
    const accepted: string[] = [];
    for (const url of [...loopback, ...internal]) {
      const r = await srv.request('POST', '/webhooks', { token, body: { url, events: ['*'] } });
      if (r.status !== 422) {
        accepted.push(`${url} → ${r.status}`);
        if (r.json?.id) await srv.request('DELETE', `/webhooks/${r.json.id}`, { token });
        continue;
      }
      assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
      const v = (r.json.violations as any[]).find((x) => x.property_path === 'url');
      assert.equal(v?.code, 'webhook.url.format', `${url}: ${r.text}`);
      assert.match(v.message, /must not target/, url);
    }
    assert.deepEqual(accepted, [], 'internal addresses accepted');
    assert.equal((await srv.request('GET', '/webhooks', { token })).json.length, 0);
    assert.equal(receiver.received.length, 0);
  });

  test('a hostname that resolves to loopback (DNS rebinding) is refused when delivering', async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    // Our own resolver for one name; everything else resolves as usual. The server runs in this process.
    const NAME = 'rebind.ring-ssrf.test';
    dns.lookup = ((hostname: string, options: unknown, callback?: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (...a: unknown[]) => void;
      const opts = (typeof options === 'object' && options) || {};
      if (hostname !== NAME) return (realLookup as any)(hostname, options, callback);
      if ((opts as { all?: boolean }).all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
      return process.nextTick(cb, null, '127.0.0.1', 4);
    }) as typeof dns.lookup;
    syncBuiltinESMExports();
    try {
      const srv = await startTestServer();
      servers.push(srv);
      const token = await srv.adminToken();
      const ns = uniqueNamespace('ssrf');
      namespaces.push(ns);
      const hook = await srv.request('POST', '/webhooks', { token, body: { url: `http://${NAME}:${receiver.port}/hook`, events: ['*'] } });
      assert.equal(hook.status, 201, 'a hostname is accepted at creation (what it resolves to is checked at each delivery)');
      await fireEvents(srv, token, ns);
      const refused = await until('a refused delivery', async () =>
        (await deliveries(srv, token, hook.json.id)).find((d) => d.attempts > 0 && d.last_error));
      assert.match(refused.last_error, /resolves to 127\.0\.0\.1, a loopback address; refusing to call it/);
      assert.notEqual(refused.status, 'delivered');
      await sleep(500);
      assert.equal(receiver.received.length, 0, 'the receiver behind the rebinding name was never called');
    } finally {
      dns.lookup = realLookup;
      syncBuiltinESMExports();
    }
  });

  test('a receiver\'s redirect is never followed', async () => {
    const target = await Receiver.start();
    const bouncer = await Receiver.start();
    receivers.push(target, bouncer);
    bouncer.respond = () => ({ status: 307, headers: { location: target.url('/internal') } });
    // Loopback receivers are allowed here, so only "redirects are not followed" can keep the target silent.
    const srv = await startTestServer({ RING_WEBHOOK_ALLOW_LOOPBACK: 'true' });
    servers.push(srv);
    const token = await srv.adminToken();
    const ns = uniqueNamespace('ssrf');
    namespaces.push(ns);
    const hook = await srv.request('POST', '/webhooks', { token, body: { url: bouncer.url(), events: ['*'] } });
    assert.equal(hook.status, 201, hook.text);
    await fireEvents(srv, token, ns);
    await bouncer.waitFor(1, 30_000);
    const d = await until('the attempt to be recorded', async () =>
      (await deliveries(srv, token, hook.json.id)).find((x) => x.attempts > 0 && x.last_error));
    assert.match(d.last_error, /HTTP 307/);
    assert.notEqual(d.status, 'delivered', 'a redirect is a failed delivery');
    await sleep(500);
    assert.equal(target.received.length, 0, 'the redirect target was never called');
  });
});
