// Ring settings this build does not use are said at start, never dropped silently; the banner's
// Runtimes line names the runtimes that really started.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServerProcess } from '../../helpers/server-process.js';

describe('Ring settings at start', () => {
  it('RING_DB_POOL_SIZE, [server.dashboard], RING_DASHBOARD_LISTEN and a mistyped use_host_registry_auth are warned about', async () => {
    const srv = await startServerProcess({
      env: { RING_DB_POOL_SIZE: '5', RING_DASHBOARD_LISTEN: '127.0.0.1:3031' },
      toml: '[server.dashboard]\nenabled = true\n\n[server.runtime.docker]\nuse_host_registry_auth = "yes"\n',
    });
    try {
      assert.equal(await srv.stop(), 0);
      const out = srv.stdout();
      for (const w of [
        /WARN ring: RING_DB_POOL_SIZE is not used: ring keeps one synchronous SQLite connection/,
        /WARN ring: \[server\.dashboard\] enabled = true has no effect: this build has no dashboard/,
        /WARN ring: RING_DASHBOARD_LISTEN is not used: this build has no web dashboard/,
        /WARN ring: \[server\.runtime\.docker\] use_host_registry_auth must be true or false; using false/,
      ]) assert.match(out, w);
      assert.match(out, /^ {2}➜ {2}Runtimes: {2}docker$/m, 'the runtimes that started');
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  it('none of them set: no such warning', async () => {
    const srv = await startServerProcess({ env: { RING_DB_POOL_SIZE: undefined, RING_DASHBOARD_LISTEN: undefined } });
    try {
      assert.equal(await srv.stop(), 0);
      assert.doesNotMatch(srv.stdout(), /is not used|no web dashboard|use_host_registry_auth/);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });
});
