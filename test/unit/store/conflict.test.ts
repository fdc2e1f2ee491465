// The store turns every unique-constraint failure into a ConflictError naming table and columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, createStore, ConflictError } from '../../../src/store/index.js';

function store() {
  return createStore(openDatabase(':memory:'));
}

test('a duplicate username is a ConflictError on user.username', () => {
  const s = store();
  s.users.insert({ username: 'dup', passwordHash: 'x', role: 'viewer' });
  assert.throws(() => s.users.insert({ username: 'dup', passwordHash: 'y', role: 'viewer' }),
    (e: unknown) => e instanceof ConflictError && e.table === 'user' && e.columns.join() === 'username');
});

test('a composite key (namespace, name) is reported with both columns, also from inside a transaction', () => {
  const s = store();
  s.secrets.insert('ns', 'a', Buffer.from('1'));
  assert.throws(() => s.tx(() => s.secrets.insert('ns', 'a', Buffer.from('2'))),
    (e: unknown) => e instanceof ConflictError && e.table === 'secret' && e.columns.join() === 'namespace,name');
});

test('the partial index of active deployments is a ConflictError too', () => {
  const s = store();
  const spec = { name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'x', replicas: 1, command: [], environment: {},
    labels: {}, ports: [], volumes: [], config: {}, health_checks: [] } as const;
  s.deployments.insert(structuredClone(spec) as never, { status: 'creating' });
  assert.throws(() => s.deployments.insert(structuredClone(spec) as never, { status: 'creating' }),
    (e: unknown) => e instanceof ConflictError && e.table === 'deployment' && e.columns.join() === 'namespace,name');
});

test('other errors pass through unchanged', () => {
  const s = store();
  assert.throws(() => s.db.prepare('INSERT INTO user (id) VALUES (?)').run('x'), (e: unknown) => !(e instanceof ConflictError) && /NOT NULL/.test(String(e)));
});

test('an INSERT … RETURNING read through get() is a ConflictError too, with the statement\'s arguments passed through', () => {
  const s = store();
  s.db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)');
  const insert = s.db.prepare('INSERT INTO kv (k, v) VALUES (?, ?) RETURNING k, v');
  assert.deepEqual(insert.get('a', '1'), { k: 'a', v: '1' });
  assert.throws(() => s.db.prepare('INSERT INTO kv (k, v) VALUES (?, ?) RETURNING k').get('a', '2'),
    (e: unknown) => e instanceof ConflictError && e.table === 'kv' && e.columns.join() === 'k');
  assert.throws(() => s.db.prepare('INSERT INTO kv (k, v) VALUES (@k, @v)').run({ k: 'a', v: '3' }), (e: unknown) => e instanceof ConflictError);
  assert.deepEqual(s.db.prepare('SELECT v FROM kv WHERE k = ?').all('a'), [{ v: '1' }]);
});

test('read-only statements are left unwrapped (they cannot fail a constraint; they are every request\'s)', () => {
  const s = store();
  const proto = Object.getPrototypeOf(s.db.prepare('SELECT 1')) as { get: unknown; all: unknown; run: unknown };
  for (const sql of ['SELECT 1', 'PRAGMA data_version']) {
    const stmt = s.db.prepare(sql);
    assert.equal(stmt.get, proto.get, sql);
    assert.equal(stmt.all, proto.all, sql);
  }
  assert.notEqual(s.db.prepare('INSERT INTO user (id) VALUES (?)').run, proto.run);
});
