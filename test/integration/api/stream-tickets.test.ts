// Stream tickets: POST /auth/stream-ticket, then GET /deployments/{id}/logs?ticket= with no Authorization
// header — accepted on that route for that id only, 401 everywhere else, and refused once expired/revoked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { StreamTickets } from '../../../src/api/stream-tickets.js';

describe('stream tickets', () => {
  let s: TestServer;
  let admin: string;
  const ns = uniqueNamespace('ticket');
  let id = '';
  let otherId = '';

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    admin = await s.adminToken();
    for (const name of ['app', 'other']) {
      const r = await s.request('POST', '/deployments', { token: admin, body: {
        name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'while true; do echo tick-$HOSTNAME; sleep 1; done'],
        config: { image_pull_policy: 'IfNotPresent' },
      } });
      assert.equal(r.status, 201, r.text);
      if (name === 'app') id = r.json.id; else otherId = r.json.id;
    }
  });
  after(async () => {
    await s.close();
    await removeNamespaceArtifacts([ns]);
  });

  const ticketFor = async (scope: string, token = admin) => s.request('POST', '/auth/stream-ticket', { token, body: { scope } });

  it('issues tk_stream_<48 alnum> valid 30 s; empty or foreign scopes are refused', async () => {
    const r = await ticketFor(`deployment:logs:${id}`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.ticket, /^tk_stream_[A-Za-z0-9]{48}$/);
    assert.equal(r.json.expires_in, 30);
    assert.notEqual((await ticketFor(`deployment:logs:${id}`)).json.ticket, r.json.ticket);
    const empty = await ticketFor('');
    assert.equal(empty.status, 400);
    assert.equal(empty.json.detail, 'scope is required');
    assert.equal((await ticketFor('deployment:exec:x')).status, 422);
    assert.equal((await ticketFor('deployment:logs:no-such-id')).status, 404);
    assert.equal((await s.request('POST', '/auth/stream-ticket', { body: { scope: `deployment:logs:${id}` } })).status, 401);
  });

  it('needs the admin scope', async () => {
    const t = await s.request('POST', '/tokens', { token: admin, body: { name: 'reader', scopes: ['deployments:read'] } });
    assert.equal((await ticketFor(`deployment:logs:${id}`, t.json.token)).status, 403);
  });

  it('opens the logs of that deployment, streamed (EventSource), and nothing else', async () => {
    const { ticket } = (await ticketFor(`deployment:logs:${id}`)).json;
    // Wait for a line so the stream has something to carry.
    const deadline = Date.now() + 60_000;
    let lines: { message: string }[] = [];
    while (Date.now() < deadline) {
      const r = await fetch(`${s.url}/deployments/${id}/logs?ticket=${ticket}`);
      assert.equal(r.status, 200);
      lines = await r.json() as { message: string }[];
      if (lines.some((l) => l.message.startsWith('tick-'))) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(lines.some((l) => l.message.startsWith('tick-')), JSON.stringify(lines));

    const ac = new AbortController();
    const res = await fetch(`${s.url}/deployments/${id}/logs?follow=true&ticket=${ticket}`, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let got = '';
    while (!/data: .*tick-/.test(got)) {
      const { value, done } = await reader.read();
      if (done) break;
      got += Buffer.from(value).toString();
    }
    ac.abort();
    assert.match(got, /data: .*tick-/);

    // Another deployment's logs, other routes, and a made-up ticket: 401.
    assert.equal((await fetch(`${s.url}/deployments/${otherId}/logs?ticket=${ticket}`)).status, 401);
    assert.equal((await fetch(`${s.url}/deployments/${id}?ticket=${ticket}`)).status, 401);
    assert.equal((await fetch(`${s.url}/deployments/${id}/events?ticket=${ticket}`)).status, 401);
    assert.equal((await fetch(`${s.url}/deployments?ticket=${ticket}`)).status, 401);
    assert.equal((await fetch(`${s.url}/deployments/${id}/logs?ticket=tk_stream_${'a'.repeat(48)}`)).status, 401);
    assert.equal((await fetch(`${s.url}/deployments/${id}/logs`)).status, 401);
  });

  it('dies with the token that asked for it', async () => {
    const login = await s.request('POST', '/login', { body: { username: 'admin', password: 'changeme' } });
    const session = login.json.token as string;
    const { ticket } = (await ticketFor(`deployment:logs:${id}`, session)).json;
    assert.equal((await fetch(`${s.url}/deployments/${id}/logs?ticket=${ticket}`)).status, 200);
    assert.equal((await s.request('POST', '/logout', { token: session })).status, 204);
    assert.equal((await fetch(`${s.url}/deployments/${id}/logs?ticket=${ticket}`)).status, 401);
  });
});

describe('StreamTickets', () => {
  it('is reusable within 30 s, for its scope only, and expires after', () => {
    let now = 1_000_000;
    const t = new StreamTickets(() => now);
    const ticket = t.issue('deployment:logs:a', 'tok');
    assert.equal(t.redeem(ticket, 'deployment:logs:a'), 'tok');
    assert.equal(t.redeem(ticket, 'deployment:logs:a'), 'tok');
    assert.equal(t.redeem(ticket, 'deployment:logs:b'), undefined);
    now += 29_999;
    assert.equal(t.redeem(ticket, 'deployment:logs:a'), 'tok');
    now += 1;
    assert.equal(t.redeem(ticket, 'deployment:logs:a'), undefined);
  });
});
