// One store-level answer to "that name is taken": every UNIQUE/PRIMARY KEY constraint SQLite raises
// on a write becomes a ConflictError naming the table and columns, so no caller matches SQLite's
// message text. The API renders any ConflictError that reaches it as a 409 problem, so a check-then-insert
// race (two requests passing the "already exists?" check before either inserts) is a 409, never a 500.
import type { Db } from './db.js';

export class ConflictError extends Error {
  constructor(
    /** The table whose constraint fired, e.g. `user`. */
    readonly table: string,
    /** The constrained columns, e.g. `['username']` or `['namespace', 'name']`. */
    readonly columns: string[],
    options?: { cause?: unknown },
  ) {
    super(`${table} with this ${columns.join(' and ') || 'key'} already exists`, options);
    this.name = 'ConflictError';
  }
}

// SQLite: "UNIQUE constraint failed: user.username" / "... secret.namespace, secret.name" (partial
// indexes such as deployment_active_name report their columns the same way; only an index on an
// expression says "index 'name'", which is kept as the table for the message).
const COLUMNS_RE = /constraint failed: (.+)$/;
const INDEX_RE = /^index '([^']+)'$/;

/** The ConflictError for a SQLite unique/primary-key violation, or undefined for any other error. */
export function conflictOf(e: unknown): ConflictError | undefined {
  if (e instanceof ConflictError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  const detail = COLUMNS_RE.exec((e as Error).message ?? '')?.[1] ?? '';
  const index = INDEX_RE.exec(detail)?.[1];
  if (index) return new ConflictError(index, [], { cause: e });
  const cols = detail.split(',').map((s) => s.trim()).filter(Boolean);
  const table = cols[0]?.split('.')[0] ?? 'row';
  return new ConflictError(table, cols.map((c) => c.split('.').slice(1).join('.')), { cause: e });
}

const GUARDED = Symbol('ring.conflict-guarded');

/**
 * Makes every statement prepared on this connection throw ConflictError instead of SQLite's
 * constraint error. Patched once per connection, on the statements' run/get/all (an INSERT …
 * RETURNING reads through get/all). Transactions rethrow what their body threw, so a ConflictError
 * inside store.tx() reaches the caller as one too. A read-only statement (better-sqlite3's
 * `readonly`: SELECT, PRAGMA data_version — it writes nothing) cannot fail a constraint and is
 * left as it is: those are the statements of every request (token and data_version checks).
 */
export function guardConflicts(db: Db): Db {
  const marked = db as Db & { [GUARDED]?: true };
  if (marked[GUARDED]) return db;
  const prepare = db.prepare.bind(db);
  (db as { prepare: Db['prepare'] }).prepare = ((source: string) => {
    const stmt = prepare(source);
    // db.prepare() hands out cached statements (db.ts): wrap each one once, not once per call.
    const guarded = stmt as typeof stmt & { [GUARDED]?: true };
    if (guarded[GUARDED] || stmt.readonly) return stmt;
    guarded[GUARDED] = true;
    for (const method of ['run', 'get', 'all'] as const) {
      const original = stmt[method] as (...a: unknown[]) => unknown;
      // apply(…, arguments): no rest array and no bound function per call.
      (stmt as unknown as Record<string, unknown>)[method] = function guardedCall(): unknown {
        try {
          // eslint-disable-next-line prefer-rest-params
          return original.apply(stmt, arguments as unknown as unknown[]);
        } catch (e) {
          throw conflictOf(e) ?? e;
        }
      };
    }
    return stmt;
  }) as Db['prepare'];
  marked[GUARDED] = true;
  return db;
}
