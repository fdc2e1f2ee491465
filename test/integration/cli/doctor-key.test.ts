// `ring doctor` reports a valid RING_SECRET_KEY with Ring's wording, and a bad one as a failure.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, ringCli } from '../../helpers/processes.js';

it('ring doctor: [+] RING_SECRET_KEY: set / [-] for a bad key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-doctor.'));
  try {
    const ok = await ringCli(['doctor'], cliEnv(dir, { HOME: dir, RING_SECRET_KEY: randomBytes(32).toString('base64') }));
    assert.match(ok.stdout, /^ {2}\[\+\] RING_SECRET_KEY: set$/m, ok.stdout);
    const bad = await ringCli(['doctor'], cliEnv(dir, { HOME: dir, RING_SECRET_KEY: Buffer.from('short').toString('base64') }));
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^ {2}\[-\] RING_SECRET_KEY: RING_SECRET_KEY must decode to exactly 32 bytes/m, bad.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
