// SQLite's `PRAGMA data_version` of a connection, for caches that must notice commits by other
// connections (a second process on the same ring.db). Writes through this connection do not change
// it: the repositories count those themselves (deployments' and credentials' write counters).
import type { Db } from './db.js';

export interface DataVersion {
  /** data_version now: one statement (~6 µs here). Changes after any other connection's commit. */
  read(): number;
  /**
   * The last value read, if it was read at most `maxAgeMs` ago; else a fresh read(). A cache
   * checked through this sees another connection's commit at most `maxAgeMs` late.
   */
  recent(maxAgeMs: number): number;
  /**
   * data_version as read at most once per event-loop turn: the first call of a turn reads, later
   * calls in the same turn get that value, and it is forgotten at the turn's check phase
   * (setImmediate). Requests handled in one turn were read off their sockets in that turn's I/O
   * phase, so a request sent after another connection's commit is handled in a later turn than a
   * read that missed it: it is still honoured by the next request, for ~35 µs a turn instead of a
   * request (8 requests in flight arrive several a turn).
   */
  turn(): number;
}

const byDb = new WeakMap<Db, DataVersion>();

export function dataVersionOf(db: Db): DataVersion {
  let dv = byDb.get(db);
  if (!dv) {
    // Not pluck(): db.prepare() hands out one cached statement per SQL text and resets its modes.
    const stmt = db.prepare('PRAGMA data_version');
    let value = 0;
    let at = -Infinity;
    const read = (): number => {
      value = (stmt.get() as { data_version: number }).data_version;
      at = performance.now();
      return value;
    };
    let inTurn = false;
    const forget = (): void => { inTurn = false; };
    const turn = (): number => {
      if (inTurn) return value;
      read();
      inTurn = true;
      setImmediate(forget).unref();
      return value;
    };
    dv = { read, recent: (maxAgeMs) => (performance.now() - at <= maxAgeMs ? value : read()), turn };
    byDb.set(db, dv);
  }
  return dv;
}
