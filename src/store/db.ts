// Opens ring.db (WAL, foreign keys) and brings its schema up to date.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  cacheStatements(db);
  return db;
}

const MAX_CACHED_STATEMENTS = 512;

/**
 * Makes db.prepare() reuse compiled statements. The repositories prepare their SQL on every call
 * (clear to read), and compiling was the largest single cost of an authenticated request or a
 * POST /deployments. A cached statement is handed out with its result modes reset (pluck, expand
 * and raw are sticky on a statement) and never while it is iterating (then a fresh one is made).
 */
export function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db) as (sql: string) => Database.Statement;
  const cache = new Map<string, Database.Statement>();
  (db as { prepare: (sql: string) => Database.Statement }).prepare = (sql: string) => {
    const hit = cache.get(sql);
    if (hit && !hit.busy) {
      if (hit.reader) hit.pluck(false).expand(false).raw(false);
      return hit;
    }
    const stmt = prepare(sql);
    if (!hit) {
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      cache.set(sql, stmt);
    }
    return stmt;
  };
}

/** Applies every migration newer than the stored user_version, all in one transaction. */
export function migrate(db: Db): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = MIGRATIONS.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return [];
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
  return pending.map((m) => m.version);
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** Monotonic sequence for "insertion order" and "newest first" that a clock tie can't break. */
export function nextSeq(): number {
  const t = Date.now() * 1000;
  lastSeq = t > lastSeq ? t : lastSeq + 1;
  return lastSeq;
}
let lastSeq = 0;
