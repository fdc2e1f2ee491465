// authenticate() keeps verified tokens in memory, but never answers from that memory once what it
// verified may have changed: a revocation, an expiry, a user's role or removal — written through
// this connection or committed by another one on the same ring.db.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Request } from '@hapi/hapi';
import { authenticate } from '../../../src/api/authenticate.js';
import { mintToken } from '../../../src/api/tokens.js';
import { Problem } from '../../../src/api/problem.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';

function setup(path = join(mkdtempSync(join(tmpdir(), 'ring-auth-')), 'ring.db')) {
  const store = createStore(openDatabase(path));
  const user = store.users.insert({ username: 'ann', passwordHash: 'x', role: 'operator' });
  const mint = (over: { scopes?: string[]; expireAt?: string | null } = {}) => {
    const t = mintToken();
    const row = store.tokens.insert({ user_id: user.id, name: 'pat', token_hash: t.hash, token_prefix: t.prefix,
      scopes: over.scopes ?? ['deployments:read'], namespaces: [], kind: 'pat', expire_at: over.expireAt ?? null });
    return { token: t.token, id: row.id };
  };
  // Counts the row reads a check makes: 0 means the answer came from the cache.
  let reads = 0;
  const byHash = store.tokens.byHash;
  store.tokens.byHash = (h: string) => { reads++; return byHash(h); };
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, query: {}, params: {} }) as unknown as Request;
  const check = (token: string, scope = 'deployments:read') => authenticate(store, req(token), scope);
  return { store, user, mint, check, reads: () => reads, path };
}

function status(f: () => unknown): number {
  try {
    f();
    return 200;
  } catch (e) {
    if (e instanceof Problem) return e.status;
    throw e;
  }
}

describe('the verified-token cache', () => {
  test('a second request with the same token reads no row', () => {
    const { mint, check, reads } = setup();
    const { token } = mint();
    assert.equal(check(token)!.user.username, 'ann');
    assert.equal(reads(), 1);
    check(token);
    check(token);
    assert.equal(reads(), 1, 'served from the cache');
    assert.equal(status(() => check('ring_pat_nope')), 401, 'an unknown token is still refused');
    assert.equal(status(() => check('ring_pat_nope')), 401, 'and not remembered');
    assert.equal(reads(), 3);
  });

  test('revoked: the next request is refused', () => {
    const { store, mint, check } = setup();
    const a = mint();
    const b = mint();
    check(a.token);
    check(b.token);
    store.tokens.revoke(a.id);
    assert.equal(status(() => check(a.token)), 401);
    assert.equal(status(() => check(b.token)), 200, 'others still work');
    store.tokens.revokeAllOfUser(store.tokens.get(b.id)!.user_id);
    assert.equal(status(() => check(b.token)), 401);
  });

  test('expired: refused once the clock passes expire_at, though cached', async () => {
    const { mint, check, reads } = setup();
    const { token } = mint({ expireAt: new Date(Date.now() + 150).toISOString() });
    assert.equal(status(() => check(token)), 200);
    assert.equal(reads(), 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => check(token), (e: Problem) => e.status === 401 && /expired/i.test(e.message));
    assert.equal(reads(), 1, 'the clock decided, not a re-read');
  });

  test('scopes are checked per route; a role change or a removed user is seen at once', () => {
    const { store, user, mint, check } = setup();
    const { token } = mint({ scopes: ['deployments:read'] });
    assert.equal(status(() => check(token, 'deployments:read')), 200);
    assert.equal(status(() => check(token, 'deployments:write')), 403, 'a cached token keeps its scopes');
    store.users.update(user.id, { role: 'viewer' });
    assert.equal(check(token)!.user.role, 'viewer', 'the new role, not the cached one');
    store.users.remove(user.id);
    assert.equal(status(() => check(token)), 401);
  });

  // A request sent after another process's commit is handled in a later event-loop turn than any
  // check that read data_version before the commit (DataVersion.turn()): `turn()` stands for that.
  test('a revocation or role change committed by another connection (a second server) is honoured by the next request', async () => {
    const { user, mint, check, path } = setup();
    const turn = () => new Promise((r) => setImmediate(r));
    const a = mint();
    const b = mint();
    check(a.token);
    check(b.token);
    const other: Store = createStore(openDatabase(path));
    other.tokens.revoke(a.id);
    await turn();
    assert.equal(status(() => check(a.token)), 401);
    other.users.update(user.id, { role: 'admin' });
    await turn();
    assert.equal(check(b.token)!.user.role, 'admin');
  });

  test('data_version is read once per event-loop turn, not once per request', async () => {
    const { mint, check, path } = setup();
    const turn = () => new Promise((r) => setImmediate(r));
    const a = mint();
    await turn();
    check(a.token);
    const other: Store = createStore(openDatabase(path));
    other.tokens.revoke(a.id);
    assert.equal(status(() => check(a.token)), 200, 'within the turn of the read (no request sent after the commit is handled in it)');
    await turn();
    assert.equal(status(() => check(a.token)), 401, 'the next turn reads again and sees the commit');
  });

  test('last use is still recorded (at most once a minute), without emptying the cache', () => {
    const { store, mint, check, reads } = setup();
    const { token, id } = mint();
    check(token);
    const used = store.tokens.get(id)!.last_used_at;
    assert.ok(used, 'the first use is recorded');
    check(token);
    assert.equal(store.tokens.get(id)!.last_used_at, used, 'not again within the minute');
    assert.equal(check(token)!.token.last_used_at, used, 'the caller sees the recorded time');
    assert.equal(reads(), 1);
  });
});
