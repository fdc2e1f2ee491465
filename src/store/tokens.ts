import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';

export interface TokenRow {
  id: string; user_id: string; name: string; token_hash: string; token_prefix: string;
  scopes: string[]; namespaces: string[]; kind: 'pat' | 'session';
  created_at: string; expire_at: string | null; last_used_at: string | null; revoked_at: string | null;
}
type RawToken = Omit<TokenRow, 'scopes' | 'namespaces'> & { scopes: string; namespaces: string };

/**
 * Writes through this connection to what authenticates a request — a token's existence, scopes,
 * namespaces, expiry or revocation, and its user (src/store/users.ts) — counted per connection, so a
 * cache of verified tokens (src/api/authenticate.ts) knows it must re-read. Commits by another
 * connection show in SQLite's data_version instead (src/store/data-version.ts).
 */
const credentialWrites = new WeakMap<Db, { n: number }>();

export function credentialWritesOf(db: Db): { n: number } {
  let c = credentialWrites.get(db);
  if (!c) credentialWrites.set(db, (c = { n: 0 }));
  return c;
}

const decode = (r: RawToken | undefined): TokenRow | undefined =>
  r && { ...r, scopes: JSON.parse(r.scopes), namespaces: JSON.parse(r.namespaces) };

export function tokensRepo(db: Db) {
  const writes = credentialWritesOf(db);
  const wrote = (): void => void writes.n++;
  return {
    byHash: (hash: string): TokenRow | undefined =>
      decode(db.prepare('SELECT * FROM token WHERE token_hash = ?').get(hash) as RawToken | undefined),
    get: (id: string): TokenRow | undefined =>
      decode(db.prepare('SELECT * FROM token WHERE id = ?').get(id) as RawToken | undefined),
    /** A user's personal access tokens (not sessions), newest first, revoked ones included. */
    listPats: (userId: string): TokenRow[] =>
      (db.prepare("SELECT * FROM token WHERE user_id = ? AND kind = 'pat' ORDER BY created_at DESC, rowid DESC")
        .all(userId) as RawToken[]).map((r) => decode(r)!),
    insert(t: Omit<TokenRow, 'id' | 'created_at' | 'last_used_at' | 'revoked_at'>): TokenRow {
      const row = { ...t, id: randomUUID(), created_at: nowIso(), last_used_at: null, revoked_at: null };
      db.prepare(`INSERT INTO token (id, user_id, name, token_hash, token_prefix, scopes, namespaces, kind, created_at,
        expire_at, last_used_at, revoked_at) VALUES (@id, @user_id, @name, @token_hash, @token_prefix, @scopes,
        @namespaces, @kind, @created_at, @expire_at, @last_used_at, @revoked_at)`)
        .run({ ...row, scopes: JSON.stringify(row.scopes), namespaces: JSON.stringify(row.namespaces) });
      wrote();
      return row;
    },
    revoke: (id: string): void => {
      db.prepare('UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(nowIso(), id);
      wrote();
    },
    revokeAllOfUser: (userId: string): void => {
      db.prepare('UPDATE token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(nowIso(), userId);
      wrote();
    },
    /**
     * Records a use. Not counted as a credential write: last_used_at decides nothing about access,
     * and the one caller that caches tokens (authenticate) updates its own copy.
     */
    touch: (id: string, at: string): void => void db.prepare('UPDATE token SET last_used_at = ? WHERE id = ?').run(at, id),
    /** The count of credential writes through this connection (see credentialWritesOf). */
    writes: (): number => writes.n,
  };
}
