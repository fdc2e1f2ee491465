// bin/ring starts node with runtime settings that hold the daemon's idle memory down (issue 15):
// its shebang must still run the CLI when executed directly (as `ring` on the PATH is), the
// settings must reach the process it starts, and the bench must start its servers with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchSettings } from '../../../bench/support/ring-process.js';
import { BIN, run } from '../../helpers/processes.js';

test('bin/ring executed through its shebang runs the CLI', async () => {
  const r = await run(BIN, ['--version'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('the shebang\'s settings are what the started node runs with: a young generation capped at 1 MiB a semi-space, two malloc arenas', async () => {
  const { env, nodeArgs } = launchSettings();
  assert.equal(env.MALLOC_ARENA_MAX, '2');
  assert.ok(nodeArgs.includes('--max-semi-space-size=1'), nodeArgs.join(' '));
  // Allocate ~100 MB of short-lived objects (what probes and passes do): bare node grows the new
  // space to 16 MiB a semi-space; with the settings it stays at 1.
  const script = `let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 5000) keep = []; }
    const ns = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ newSpace: ns.space_size, arenas: process.env.MALLOC_ARENA_MAX }));`;
  const r = await run(process.execPath, [...nodeArgs, '-e', script], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { newSpace: number; arenas: string };
  assert.equal(got.arenas, '2');
  assert.ok(got.newSpace <= 2 * 1048576, `new space ${got.newSpace} B`);
  const bare = await run(process.execPath, ['-e', script], { timeoutMs: 30_000 });
  assert.ok((JSON.parse(bare.stdout) as { newSpace: number }).newSpace > 2 * 1048576, 'bare node grows it (else this test shows nothing)');
});

test('launchSettings reads env assignments and node flags from an `env -S` shebang, and nothing from a plain one', () => {
  assert.deepEqual(launchSettings('#!/usr/bin/env -S A=1 B=x node --f=1 --g'), { env: { A: '1', B: 'x' }, nodeArgs: ['--f=1', '--g'] });
  assert.deepEqual(launchSettings('#!/usr/bin/env node'), { env: {}, nodeArgs: [] });
});
