// ring.db's filesystem failing (issue 9): a full disk (a 2 MB tmpfs as the database directory) and
// a read-only one (a read-only bind mount). A refused write is a 507/503 problem+json that says
// what is wrong and where, the server keeps running and serves reads, writes work again once the
// disk does, and the database is never corrupt. A server that cannot write its database refuses
// to start with one clear line. Needs mount(8) (root); without it the test says why and skips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { run } from '../../helpers/processes.js';
import { ChildServer, freePort } from './support/child-server.js';

const root = mkdtempSync(join(tmpdir(), 'ring-dbfault-'));
const mounted: string[] = [];
let servers: ChildServer[] = [];

async function mount(args: string[]): Promise<string | null> {
  const r = await run('mount', args);
  return r.code === 0 ? null : (r.stderr.trim() || `mount exited ${r.code}`);
}

after(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  for (const m of mounted.reverse()) await run('umount', ['-l', m]);
  rmSync(root, { recursive: true, force: true });
});

function integrity(dbPath: string): string {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

function namespaces(dbPath: string): string[] {
  const db = new Database(dbPath, { fileMustExist: true, readonly: true });
  try {
    return (db.prepare('SELECT name FROM namespace ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

/** Fills the filesystem of `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last partial block too.
  try { for (;;) writeSync(fd, Buffer.alloc(512)); } catch { /* full */ }
  closeSync(fd);
  return path;
}

describe('database storage faults', () => {
  test('a full disk: writes answer 507 with the reason, reads and the server carry on, writes resume once there is room', async (t) => {
    const dir = join(root, 'full');
    mkdirSync(dir);
    const why = await mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    if (why) { t.skip(`cannot mount a tmpfs here: ${why}`); return; }
    mounted.push(dir);
    const dbPath = join(dir, 'ring.db');
    const configDir = join(root, 'full-config');
    mkdirSync(configDir);
    const srv = await ChildServer.start({ dir: configDir, dbPath, port: await freePort() });
    servers.push(srv);
    const token = await srv.adminToken();
    assert.equal((await srv.request('POST', '/namespaces', { token, body: { name: 'before-full' } })).status, 201);

    const filler = fill(dir);
    let refused: { status: number; headers: Headers; json: any } | null = null;
    const accepted: string[] = [];
    // SQLite may still fit a few rows in pages it already has; the disk runs out soon after.
    for (let i = 0; i < 200 && !refused; i++) {
      const name = `while-full-${i}`;
      const r = await srv.request('POST', '/namespaces', { token, body: { name } });
      if (r.status === 201) accepted.push(name);
      else refused = r;
    }
    assert.ok(refused, 'the disk never filled up');
    assert.equal(refused.status, 507, JSON.stringify(refused.json));
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(refused.json.detail, /disk holding the database .*ring\.db is full/);
    assert.equal(refused.json.title, 'Insufficient Storage');

    // Still up, still reading.
    assert.equal((await srv.request('GET', '/healthz')).status, 200);
    const listed = await srv.request('GET', '/namespaces', { token });
    assert.equal(listed.status, 200);
    assert.ok((listed.json as any[]).some((n) => n.name === 'before-full'));
    assert.equal(srv.exitCode, undefined, 'the server is still running');

    unlinkSync(filler);
    assert.equal((await srv.request('POST', '/namespaces', { token, body: { name: 'after-full' } })).status, 201);
    await srv.kill('SIGTERM');
    assert.equal(integrity(dbPath), 'ok');
    const names = namespaces(dbPath);
    for (const n of ['before-full', 'after-full', ...accepted]) assert.ok(names.includes(n), `${n} acknowledged but missing`);
    assert.ok(!names.some((n) => n.startsWith('while-full-') && !accepted.includes(n)), 'a refused write left a row');

    // Started on a full disk: it either runs (reads need no room) or refuses with one clear line.
    const filler2 = fill(dir);
    const again = ChildServer.spawn({ dir: configDir, dbPath, port: await freePort() });
    servers.push(again);
    const started = await again.ready(30_000).then(() => true, () => false);
    if (started) {
      assert.equal((await again.request('GET', '/healthz')).status, 200);
      await again.kill('SIGTERM');
    } else {
      assert.notEqual(again.exitCode, 0);
      assert.match(again.output, /Refusing to start: .*(full|no space)/i, again.output);
    }
    unlinkSync(filler2);
    assert.equal(integrity(dbPath), 'ok');
    t.diagnostic(`full disk: ${accepted.length} writes fit after the disk was filled, then 507; on restart while full the server ${started ? 'started' : 'refused to start'}`);
  });

  test('a read-only database directory: refused to start with one clear line, the database untouched', async (t) => {
    const dir = join(root, 'ro');
    mkdirSync(dir);
    const dbPath = join(dir, 'ring.db');
    const configDir = join(root, 'ro-config');
    mkdirSync(configDir);
    // A real ring.db first, with a row to look for afterwards.
    const first = await ChildServer.start({ dir: configDir, dbPath, port: await freePort() });
    servers.push(first);
    const token = await first.adminToken();
    assert.equal((await first.request('POST', '/namespaces', { token, body: { name: 'kept' } })).status, 201);
    await first.kill('SIGTERM');

    let why = await mount(['--bind', dir, dir]);
    if (why) { t.skip(`cannot bind-mount here: ${why}`); return; }
    mounted.push(dir);
    why = await mount(['-o', 'remount,bind,ro', dir]);
    if (why) { t.skip(`cannot remount read-only here: ${why}`); return; }

    const srv = ChildServer.spawn({ dir: configDir, dbPath, port: await freePort() });
    servers.push(srv);
    const code = await srv.exited;
    assert.notEqual(code, 0, `started on a read-only database directory:\n${srv.output}`);
    const lines = srv.output.trim().split('\n').filter((l) => /Refusing to start/.test(l));
    assert.equal(lines.length, 1, srv.output);
    assert.match(lines[0]!, /ring\.db cannot be written: its directory .* is read-only/);
    assert.doesNotMatch(srv.output, /^\s+at /m, 'no stack trace');

    // A fresh database in a read-only directory: the same clear refusal.
    const fresh = ChildServer.spawn({ dir: configDir, dbPath: join(dir, 'other.db'), port: await freePort() });
    servers.push(fresh);
    assert.notEqual(await fresh.exited, 0);
    assert.match(fresh.output, /Refusing to start: .*(read-only|cannot be opened)/, fresh.output);

    await run('umount', [dir]);
    mounted.splice(mounted.indexOf(dir), 1);
    assert.equal(integrity(dbPath), 'ok');
    assert.ok(namespaces(dbPath).includes('kept'));
  });
});

before(() => {
  servers = [];
});
