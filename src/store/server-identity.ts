// This database's server id (migration 7): the `ring.server` label on every container it creates,
// so two ring servers sharing one Docker daemon never list, adopt or remove each other's.
import type { Db } from './db.js';

export const SERVER_ID_PATTERN = /^[0-9a-f]{16}$/;

export function serverIdentityRepo(db: Db) {
  let cached: string | undefined;
  return {
    /** Stable for the life of the database file (a byte copy of ring.db is the same server). */
    id(): string {
      if (cached) return cached;
      const row = db.prepare("SELECT value FROM server_meta WHERE key = 'server_id'").get() as { value: string } | undefined;
      if (!row || !SERVER_ID_PATTERN.test(row.value)) {
        // Only a hand-edited database gets here; guessing an id would adopt or abandon containers.
        throw new Error(`ring.db has no valid server id (server_meta.server_id = ${JSON.stringify(row?.value ?? null)}); restore it from a backup`);
      }
      cached = row.value;
      return cached;
    },
  };
}
