// What the router gives every request around its handler: authentication first (GET routes in the
// handler step, others before their body is read), a services view whose log carries the request
// id, the handler deadline, and one access line. No runtime: handlers are the real ones or stand-ins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../../../src/api/server.js';
import { handlers } from '../../../src/api/routes.js';
import { json, type Services } from '../../../src/api/context.js';
import { mintToken } from '../../../src/api/tokens.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { SecretBox } from '../../../src/domain/secret-box.js';

describe('request context', () => {
  let url: string;
  let stop: () => Promise<void>;
  let admin: string;
  let viewerOfUsers: string;
  const lines: Record<string, unknown>[] = [];
  const seen: { sameStore: boolean; specText: string; log: unknown }[] = [];
  let getNodeCalls = 0;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-rc-'));
    const store = createStore(openDatabase(join(dir, 'ring.db')));
    const user = store.users.insert({ username: 'root', passwordHash: 'x', role: 'admin' });
    const mint = (scopes: string[]) => {
      const t = mintToken();
      store.tokens.insert({ user_id: user.id, name: t.prefix, token_hash: t.hash, token_prefix: t.prefix, scopes, namespaces: [], kind: 'pat', expire_at: null });
      return t.token;
    };
    admin = mint(['admin']);
    viewerOfUsers = mint(['users:read']);
    const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }, 'json');
    const services: Services = {
      store, config: loadConfig({ env: { RING_CONFIG_DIR: dir } }), log, runtimes: new Map(),
      specText: 'the spec', secretBox: new SecretBox(Buffer.alloc(32)), wake: () => {}, instancesOf: async () => [], startedAt: Date.now(),
    };
    const server = await createApiServer({
      host: '127.0.0.1', port: 0, services, handlerTimeoutMs: 300,
      handlers: {
        ...handlers,
        // A GET that logs through its services and reports what it saw of them.
        getOpenApiSpec: (ctx) => {
          ctx.services.log.info({ step: 'inside' }, 'handler line');
          seen.push({ sameStore: ctx.services.store === store, specText: ctx.services.specText, log: ctx.services.log });
          return json(200, { ok: true });
        },
        // Never answers: the deadline answers for it.
        getHealth: () => new Promise(() => {}),
        // Rejects after the first await: a 500 problem, not a hang until the deadline.
        getNode: async () => {
          getNodeCalls++;
          await new Promise((r) => setTimeout(r, 20));
          if (getNodeCalls % 2 === 1) throw new Error('late failure');
          await new Promise((r) => setTimeout(r, 150));
          return json(200, { late: 'but in time' });
        },
      },
    });
    await server.start();
    url = server.info.uri;
    stop = () => server.stop();
  });
  after(() => stop());

  const field = (l: Record<string, unknown>, k: string) => (l.fields as Record<string, unknown>)[k];

  test('a handler logs through a child carrying its request id, the id of its access line; the rest of services is the shared one', async () => {
    lines.length = 0;
    seen.length = 0;
    assert.equal((await fetch(url + '/openapi.yaml')).status, 200);
    assert.equal((await fetch(url + '/openapi.yaml')).status, 200);
    const inside = lines.filter((l) => field(l, 'message') === 'handler line');
    const access = lines.filter((l) => field(l, 'message') === 'request');
    assert.equal(inside.length, 2);
    assert.equal(access.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(typeof field(inside[i]!, 'reqId'), 'string');
      assert.equal(field(inside[i]!, 'reqId'), field(access[i]!, 'reqId'));
      assert.equal(field(inside[i]!, 'step'), 'inside');
    }
    assert.notEqual(field(inside[0]!, 'reqId'), field(inside[1]!, 'reqId'));
    assert.ok(seen.every((s) => s.sameStore && s.specText === 'the spec'));
    assert.notEqual(seen[0]!.log, seen[1]!.log, 'a logger per request');
  });

  test('the access line: method, path, status, ms', async () => {
    lines.length = 0;
    await fetch(url + '/deployments?status=running', { headers: { authorization: `Bearer ${admin}` } });
    const access = lines.filter((l) => field(l, 'message') === 'request');
    assert.equal(access.length, 1);
    assert.equal(field(access[0]!, 'method'), 'GET');
    assert.equal(field(access[0]!, 'path'), '/deployments');
    assert.equal(field(access[0]!, 'status'), 200);
    assert.equal(typeof field(access[0]!, 'ms'), 'number');
  });

  test('a GET authenticates before its query is validated: no token is a 401, a token lacking the scope a 403, both before a bad query\'s 400', async () => {
    const none = await fetch(url + '/deployments?status=bogus');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('content-type') ?? '', /problem\+json/);
    const bad = await fetch(url + '/deployments?status=bogus', { headers: { authorization: 'Bearer ring_pat_nope' } });
    assert.equal(bad.status, 401);
    const scope = await fetch(url + '/deployments?status=bogus', { headers: { authorization: `Bearer ${viewerOfUsers}` } });
    assert.equal(scope.status, 403);
    assert.match(((await scope.json()) as { detail: string }).detail, /deployments:read/);
    const query = await fetch(url + '/deployments?status=bogus', { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(query.status, 400);
    const ok = await fetch(url + '/users/me', { headers: { authorization: `Bearer ${viewerOfUsers}` } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { username: string }).username, 'root');
  });

  test('a route that reads a body authenticates before reading it: a 401, not the body\'s 400', async () => {
    const r = await fetch(url + '/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' });
    assert.equal(r.status, 401);
    const scoped = await fetch(url + '/deployments', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${viewerOfUsers}` }, body: '{"not json' });
    assert.equal(scoped.status, 403);
    const admitted = await fetch(url + '/deployments', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: '{"not json' });
    assert.equal(admitted.status, 400);
  });

  test('handler deadline: a rejection after an await is a 500 at once, a slow answer in time is the answer, a hang is a 408 at its deadline', async () => {
    const t0 = performance.now();
    const failed = await fetch(url + '/node/get', { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(failed.status, 500);
    assert.ok(performance.now() - t0 < 250, 'not held until the deadline');
    const slow = await fetch(url + '/node/get', { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(slow.status, 200);
    assert.deepEqual(await slow.json(), { late: 'but in time' });
    const t1 = performance.now();
    const [first, second] = await Promise.all([
      fetch(url + '/healthz').then((r) => ({ status: r.status, at: performance.now() - t1 })),
      new Promise((r) => setTimeout(r, 100)).then(() => fetch(url + '/healthz')).then((r) => ({ status: r.status, at: performance.now() - t1 })),
    ]);
    assert.equal(first.status, 408);
    assert.equal(second.status, 408);
    assert.ok(first.at >= 280, `the first one's deadline (${first.at} ms)`);
    assert.ok(second.at >= 380, `the second one's own deadline, not the first one's (${second.at} ms)`);
  });
});
