// RING_LOG_FORMAT on a real `ring server start`: every stdout line, from the first, in the chosen format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, ringCli } from '../../helpers/processes.js';
import { startServerProcess } from '../../helpers/server-process.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('console log format', () => {
  it('RING_LOG_FORMAT=json: every line is a Ring JSON line (timestamp, string level, target, fields.message)', async () => {
    const srv = await startServerProcess({ env: { RING_LOG_FORMAT: 'json' } });
    try {
      await fetch(`${srv.url}/healthz`);
      assert.equal(await srv.stop(), 0);
      const all = lines(srv.stdout());
      assert.ok(all.length >= 5, srv.stdout());
      for (const l of all) {
        const e = JSON.parse(l);
        assert.equal(typeof e.timestamp, 'string', l);
        assert.ok(!Number.isNaN(Date.parse(e.timestamp)), l);
        assert.match(e.level, /^(TRACE|DEBUG|INFO|WARN|ERROR)$/, l);
        assert.equal(typeof e.target, 'string', l);
        assert.equal(typeof e.fields?.message, 'string', l);
      }
      const messages = all.map((l) => JSON.parse(l).fields.message);
      assert.ok(messages.some((m: string) => /^Ring \S+ {2}ready$/.test(m)), 'the banner is logged as JSON too');
      assert.ok(messages.includes('API server shut down gracefully'));
      assert.equal(messages.at(-1), 'ring server stopped');
      assert.equal(srv.stderr(), '');
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  it('default: human-readable text lines (<timestamp> LEVEL target: message), no JSON', async () => {
    const srv = await startServerProcess();
    try {
      assert.equal(await srv.stop(), 0);
      const all = lines(srv.stdout());
      const logLines = all.filter((l) => !/^\s+(Ring |➜)/.test(l));
      assert.ok(logLines.length >= 3, srv.stdout());
      for (const l of logLines) {
        assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +(TRACE|DEBUG|INFO|WARN|ERROR) ring: \S/, l);
        assert.throws(() => JSON.parse(l));
      }
      assert.match(all[0], /^\d{4}-\d\d-\d\dT\S+ +(INFO|WARN) ring: /, 'the first line is a text log line');
      assert.ok(all.some((l) => /^ {2}Ring \S+ {2}ready$/.test(l)), 'the text banner is printed');
      assert.match(all.at(-1)!, / INFO ring: ring server stopped$/);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  it('a refusal to start is a JSON line too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-logfmt.'));
    try {
      const r = await ringCli(['server', 'start'], cliEnv(dir, { HOME: dir, RING_LOG_FORMAT: 'json', RING_DATABASE_PATH: join(dir, 'x.db') }));
      assert.equal(r.code, 1);
      const e = JSON.parse(lines(r.stdout).at(-1)!);
      assert.equal(e.level, 'ERROR');
      assert.match(e.fields.message, /^Refusing to start: RING_SECRET_KEY environment variable is not set/);
      assert.equal(r.stderr, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
