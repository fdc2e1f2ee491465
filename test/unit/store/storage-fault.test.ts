// Which storage failure a SQLite or errno code means, and what the operator is told.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageFault, storageFaultKind } from '../../../src/store/storage-fault.js';

describe('storageFaultKind', () => {
  const table: [string, string | null][] = [
    ['SQLITE_FULL', 'full'],
    ['SQLITE_READONLY', 'read_only'],
    ['SQLITE_READONLY_DBMOVED', 'read_only'],
    ['SQLITE_IOERR_WRITE', 'io_error'],
    ['SQLITE_IOERR_SHMSIZE', 'io_error'],
    ['SQLITE_CANTOPEN', 'cannot_open'],
    ['SQLITE_CORRUPT', 'corrupt'],
    ['SQLITE_NOTADB', 'corrupt'],
    ['SQLITE_CONSTRAINT_UNIQUE', null],
    ['SQLITE_BUSY', null],
    ['SQLITE_ERROR', null],
  ];
  for (const [code, kind] of table) test(`${code} → ${kind}`, () => assert.equal(storageFaultKind(code), kind));
});

describe('storageFault', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-sf-'));
  const db = join(dir, 'ring.db');
  const err = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  test('a full disk is a 507 naming the file', () => {
    const f = storageFault(err('SQLITE_FULL', 'database or disk is full'), db)!;
    assert.equal(f.status, 507);
    assert.equal(f.kind, 'full');
    assert.match(f.message, new RegExp(`disk holding the database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full`));
    assert.match(f.message, /nothing was written/);
  });

  test('ENOSPC from a mkdir or open is the same full disk', () => {
    assert.equal(storageFault(err('ENOSPC'), db)?.status, 507);
  });

  test('read-only: SQLITE_READONLY and EROFS are a 503 that says read-only', () => {
    for (const code of ['SQLITE_READONLY', 'EROFS']) {
      const f = storageFault(err(code, 'attempt to write a readonly database'), db)!;
      assert.equal(f.status, 503);
      assert.match(f.message, /is read-only/);
    }
  });

  test('a corrupt file says restore from a backup', () => {
    assert.match(storageFault(err('SQLITE_CORRUPT', 'database disk image is malformed'), db)!.message, /restore ring\.db from a backup/);
  });

  test('anything else is not a storage fault', () => {
    assert.equal(storageFault(err('SQLITE_CONSTRAINT_UNIQUE'), db), null);
    assert.equal(storageFault(new Error('plain'), db), null);
    assert.equal(storageFault(null, db), null);
    rmSync(dir, { recursive: true, force: true });
  });
});
