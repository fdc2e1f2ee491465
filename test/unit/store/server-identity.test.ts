// The server id (migration 7): made once per database, also for one upgraded in place, and kept
// across restarts, because it decides which containers on a shared daemon are this server's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createStore, migrate, openDatabase } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { SERVER_ID_PATTERN } from '../../../src/store/server-identity.js';

const dir = mkdtempSync(join(tmpdir(), 'ring-server-id-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('server identity', () => {
  test('a new database gets a 16-hex id that survives reopening', () => {
    const path = join(dir, 'new.db');
    const first = openDatabase(path);
    const id = createStore(first).server.id();
    first.close();
    assert.match(id, SERVER_ID_PATTERN);
    const again = openDatabase(path);
    assert.equal(createStore(again).server.id(), id);
    again.close();
  });

  test('two databases get different ids', () => {
    const a = createStore(openDatabase(':memory:')).server.id();
    const b = createStore(openDatabase(':memory:')).server.id();
    assert.notEqual(a, b);
  });

  test('a database from before server ids gets one on upgrade, keeping its rows', () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.transaction(() => {
      for (const m of MIGRATIONS.filter((x) => x.version <= 6)) old.exec(m.sql);
      old.pragma('user_version = 6');
    })();
    old.prepare("INSERT INTO namespace (id, created_at, name) VALUES ('n1', '2026-01-01T00:00:00Z', 'legacy')").run();
    old.close();

    const db = openDatabase(path);
    assert.ok((db.pragma('user_version', { simple: true }) as number) >= 7);
    const store = createStore(db);
    assert.match(store.server.id(), SERVER_ID_PATTERN);
    assert.equal(store.namespaces.byName('legacy')?.id, 'n1');
    assert.deepEqual(migrate(db), [], 'nothing left to apply: the id is made once');
    db.close();
  });

  test('a hand-edited id is refused with the reason, never replaced by a guess', () => {
    const db = openDatabase(':memory:');
    db.prepare("UPDATE server_meta SET value = 'nope' WHERE key = 'server_id'").run();
    assert.throws(() => createStore(db).server.id(), /ring\.db has no valid server id \(server_meta\.server_id = "nope"\)/);
  });
});
