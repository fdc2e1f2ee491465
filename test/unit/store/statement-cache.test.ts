// db.prepare() reuses compiled statements (the repositories prepare their SQL on every call). A
// reused statement must behave like a fresh one: result modes reset, conflict mapping kept and
// applied once (not one more wrapper per prepare), and never handed out while it is iterating.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStore, openDatabase, ConflictError } from '../../../src/store/index.js';

describe('statement cache', () => {
  test('the same SQL gives the same statement, wrapped once, with its result modes reset', () => {
    const s = createStore(openDatabase(':memory:'));
    const sql = 'SELECT name FROM namespace ORDER BY name';
    s.namespaces.ensure('ns-one');
    const first = s.db.prepare(sql);
    const run = first.all;
    assert.deepEqual(first.pluck().all(), ['ns-one']);
    const again = s.db.prepare(sql);
    assert.equal(again, first);
    assert.equal(again.all, run, 'no extra wrapper per prepare');
    assert.deepEqual(again.all(), [{ name: 'ns-one' }], 'pluck() of an earlier caller does not stick');
    for (let i = 0; i < 10_000; i++) s.db.prepare(sql);
    assert.deepEqual(s.db.prepare(sql).all(), [{ name: 'ns-one' }]);
  });

  test('constraint errors still become ConflictError through a reused statement', () => {
    const s = createStore(openDatabase(':memory:'));
    const insert = () => s.db.prepare("INSERT INTO namespace (id, created_at, name) VALUES (?, '', 'ns-dup')").run(String(Math.random()));
    insert();
    for (let i = 0; i < 3; i++) assert.throws(insert, (e: unknown) => e instanceof ConflictError && (e as ConflictError).table === 'namespace');
  });

  test('a statement that is iterating is not handed out again', () => {
    const s = createStore(openDatabase(':memory:'));
    s.namespaces.ensure('ns-one');
    s.namespaces.ensure('ns-two');
    const sql = 'SELECT name FROM namespace ORDER BY name';
    const seen: string[] = [];
    for (const row of s.db.prepare(sql).iterate() as IterableIterator<{ name: string }>) {
      seen.push(row.name, ...(s.db.prepare(sql).all() as { name: string }[]).map((r) => r.name));
    }
    assert.deepEqual(seen, ['ns-one', 'ns-one', 'ns-two', 'ns-two', 'ns-one', 'ns-two']);
  });
});
