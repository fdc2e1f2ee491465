import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { nowIso } from './db.js';
import { credentialWritesOf } from './tokens.js';

export type Role = 'admin' | 'operator' | 'viewer';
export interface UserRow {
  id: string; created_at: string; updated_at: string | null; status: string; role: Role;
  username: string; password: string; login_at: string | null;
}

export const SEED_ADMIN_ID = '1c5a5fe9-84e0-4a18-821e-8058232c2c23';

export function usersRepo(db: Db) {
  // A user's role, status or existence decides what their tokens may do: every change is a credential write.
  const writes = credentialWritesOf(db);
  const wrote = (): void => void writes.n++;
  return {
    count: (): number => (db.prepare('SELECT COUNT(*) AS n FROM user').get() as { n: number }).n,
    list: (): UserRow[] => db.prepare('SELECT * FROM user ORDER BY created_at, id').all() as UserRow[],
    get: (id: string): UserRow | undefined => db.prepare('SELECT * FROM user WHERE id = ?').get(id) as UserRow | undefined,
    byUsername: (username: string): UserRow | undefined =>
      db.prepare('SELECT * FROM user WHERE username = ?').get(username) as UserRow | undefined,
    insert(u: { id?: string; username: string; passwordHash: string; role: Role }): UserRow {
      const row: UserRow = {
        id: u.id ?? randomUUID(), created_at: nowIso(), updated_at: null, status: 'active', role: u.role,
        username: u.username, password: u.passwordHash, login_at: null,
      };
      db.prepare(`INSERT INTO user (id, created_at, updated_at, status, role, username, password, login_at)
        VALUES (@id, @created_at, @updated_at, @status, @role, @username, @password, @login_at)`).run(row);
      wrote();
      return row;
    },
    update(id: string, fields: { username?: string; passwordHash?: string; role?: Role }): void {
      const cur = db.prepare('SELECT * FROM user WHERE id = ?').get(id) as UserRow;
      db.prepare('UPDATE user SET username = ?, password = ?, role = ?, updated_at = ? WHERE id = ?').run(
        fields.username ?? cur.username, fields.passwordHash ?? cur.password, fields.role ?? cur.role, nowIso(), id);
      wrote();
    },
    touchLogin: (id: string): void => {
      db.prepare('UPDATE user SET login_at = ? WHERE id = ?').run(nowIso(), id);
      wrote();
    },
    remove: (id: string): void => {
      db.prepare('DELETE FROM user WHERE id = ?').run(id); // its tokens go with it (ON DELETE CASCADE)
      wrote();
    },
    countAdmins: (): number => (db.prepare("SELECT COUNT(*) AS n FROM user WHERE role = 'admin'").get() as { n: number }).n,
  };
}
