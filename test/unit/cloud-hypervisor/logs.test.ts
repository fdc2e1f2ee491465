// B18 and B19: the console classifier, tail/since across files, and copy-truncate rotation with an
// O_APPEND writer (no NUL hole), against temp files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { classifyLine, selectLines } from '../../../src/runtime/cloud-hypervisor/logs.js';
import { rotateAll, rotateFile } from '../../../src/runtime/cloud-hypervisor/rotate.js';

async function waitFor(ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('console log levels (B18)', () => {
  const rows: [string, string][] = [
    ['<3>sd 0:0:0:0: error', 'error'], ['<4>low memory', 'warning'], ['<6>eth0 up', 'info'], ['<7>probe', 'debug'],
    ['Kernel panic - not syncing: VFS', 'error'], ['[FAILED] Failed to start x.service', 'error'], ['[  OK  ] Started ring-agent', 'info'],
    ['[ WARN ] slow disk', 'warning'], ['[    0.000000] Linux version 6.1', 'info'], ['login:', 'unknown'], ['error: no such file', 'error'],
  ];
  for (const [line, level] of rows) test(`${JSON.stringify(line)} → ${level}`, () => assert.equal(classifyLine(line), level));
});

describe('tail and since across files (B18)', () => {
  const files = [
    { text: 'a1\na2\n', mtimeMs: 1_000 },
    { text: 'b1\n', mtimeMs: 2_000 },
    { text: '2026-12-01T10:00:00Z early\n2026-12-01T11:00:00Z late\nc-unstamped\n', mtimeMs: 3_000 },
  ];
  test('tail counts across the backups and the live file', () => {
    assert.deepEqual(selectLines(files, { tail: 4 }).map((l) => l.text), ['b1', '2026-12-01T10:00:00Z early', '2026-12-01T11:00:00Z late', 'c-unstamped']);
    assert.deepEqual(selectLines(files, { tail: 0 }), []);
    assert.equal(selectLines(files, {}).length, 6);
  });
  test('since: per line when stamped, else by the file mtime', () => {
    const since = Date.parse('2026-12-01T10:30:00Z');
    assert.deepEqual(selectLines(files, { sinceMs: since }).map((l) => l.text), ['2026-12-01T11:00:00Z late']);
    assert.deepEqual(selectLines(files, { sinceMs: 1_500 }).map((l) => l.text), ['b1', '2026-12-01T10:00:00Z early', '2026-12-01T11:00:00Z late', 'c-unstamped']);
  });
});

describe('copy-truncate rotation (B19)', () => {
  test('shifts .N, keeps at most max backups, 0 disables, small files stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    try {
      const live = join(dir, 'ch-x.console.log');
      for (let round = 1; round <= 4; round++) {
        writeFileSync(live, `round ${round} ${'x'.repeat(100)}\n`);
        assert.equal(rotateFile(live, 50, 2), true);
        assert.equal(readFileSync(live, 'utf8'), '');
      }
      assert.match(readFileSync(`${live}.1`, 'utf8'), /^round 4/);
      assert.match(readFileSync(`${live}.2`, 'utf8'), /^round 3/);
      assert.equal(existsSync(`${live}.3`), false);
      writeFileSync(live, 'small\n');
      assert.equal(rotateFile(live, 50, 2), false);
      writeFileSync(live, 'x'.repeat(100));
      assert.equal(rotateFile(live, 0, 2), false, 'max bytes 0 disables');
      assert.equal(rotateFile(live, 50, 0), false, 'no backups disables');
      assert.deepEqual(rotateAll(dir, 50, 2), [live]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an O_APPEND writer (the VMM\'s stdout) keeps writing at the start of the truncated file: no NUL hole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    const live = join(dir, 'ch-y.console.log');
    const fd = openSync(live, 'a');
    const writer = spawn(process.execPath, ['-e', 'let n=0; setInterval(() => process.stdout.write(`line ${++n} ${"y".repeat(50)}\\n`), 5)'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    try {
      await waitFor(() => statSync(live).size > 100);
      assert.equal(rotateFile(live, 100, 3), true);
      await waitFor(() => statSync(live).size > 0);
      const after = readFileSync(live);
      assert.ok(after.length > 0, 'the writer kept writing into the live file');
      assert.equal(after.indexOf(0), -1, 'no NUL bytes');
      assert.match(after.toString(), /^line \d+ /);
    } finally {
      writer.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a non-append writer would leave a NUL hole (why the console must be O_APPEND)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    const live = join(dir, 'ch-z.console.log');
    const fd = openSync(live, 'w');
    try {
      writeSync(fd, 'a'.repeat(200));
      rotateFile(live, 100, 1);
      writeSync(fd, 'after');
      assert.ok(readFileSync(live).indexOf(0) >= 0);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
