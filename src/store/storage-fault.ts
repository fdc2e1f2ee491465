// ring.db's filesystem failing under it: full, read-only, or giving I/O errors. SQLite refuses the
// write and rolls the transaction back (the file stays consistent); what the operator needs is to
// be told which of these it is and where, not "internal error". Shared by the API (a 507/503
// problem per refused request) and `ring server start` (one line, then exit).
import { accessSync, constants, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type StorageFaultKind = 'full' | 'read_only' | 'io_error' | 'cannot_open' | 'corrupt';

export interface StorageFault {
  kind: StorageFaultKind;
  /** 507 for a full disk (RFC 4918 Insufficient Storage), 503 for the rest: the server is fine, its storage is not. */
  status: 507 | 503;
  message: string;
}

/** SQLite's extended result codes (better-sqlite3 `SqliteError.code`) to a kind; null when the error is not about storage. */
export function storageFaultKind(code: string): StorageFaultKind | null {
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_READONLY')) return 'read_only';
  if (code.startsWith('SQLITE_IOERR')) return 'io_error';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot_open';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  return null;
}

/** What the directory itself says: read-only (EROFS/EACCES) or out of space. Best effort, never throws. */
export function probeDirectory(dir: string): { readOnly: boolean; freeBytes: number | null } {
  let readOnly = false;
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    readOnly = code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
  }
  let freeBytes: number | null = null;
  try {
    const s = statfsSync(dir);
    freeBytes = Number(s.bavail) * Number(s.bsize);
  } catch {
    freeBytes = null;
  }
  return { readOnly, freeBytes };
}

/**
 * The fault an error means for the database at `dbPath`, with a message that names the file and
 * what to do; null for any other error. Also recognises the raw errno of a failed open/mkdir.
 */
export function storageFault(err: unknown, dbPath: string): StorageFault | null {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  let kind = code.startsWith('SQLITE_') ? storageFaultKind(code) : errnoKind(code);
  if (!kind) return null;
  const file = dbPath === ':memory:' ? dbPath : resolve(dbPath);
  const dir = dirname(file);
  const probe = file === ':memory:' ? { readOnly: false, freeBytes: null } : probeDirectory(dir);
  // SQLite reports a write into a read-only directory as CANTOPEN or IOERR as often as READONLY.
  if ((kind === 'cannot_open' || kind === 'io_error') && probe.readOnly) kind = 'read_only';
  if (kind === 'io_error' && probe.freeBytes === 0) kind = 'full';
  const raw = (err as Error)?.message ?? String(err);
  switch (kind) {
    case 'full':
      return { kind, status: 507, message: `the disk holding the database ${file} is full${probe.freeBytes === null ? '' : ` (${probe.freeBytes} bytes free)`}; nothing was written — free space on that filesystem and retry` };
    case 'read_only':
      return { kind, status: 503, message: `the database ${file} cannot be written: its directory ${dir} is read-only (${raw}); nothing was written — ring needs to write ring.db and its -wal and -shm files there` };
    case 'cannot_open':
      return { kind, status: 503, message: `the database ${file} cannot be opened (${raw}) — check that ${dir} exists and is writable by this user` };
    case 'corrupt':
      return { kind, status: 503, message: `the database ${file} is damaged (${raw}) — stop the server and restore ring.db from a backup` };
    case 'io_error':
      return { kind, status: 503, message: `the database ${file} hit an I/O error (${raw}); nothing was written — check the disk and the kernel log` };
  }
}

function errnoKind(code: string): StorageFaultKind | null {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'read_only';
  if (code === 'EIO') return 'io_error';
  return null;
}
