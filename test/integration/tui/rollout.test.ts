// `ring tui` in a real terminal (a private tmux server) against a real server and real Docker,
// during a 3-replica rolling update. The frames captured along the way are printed to the test
// log: the child filling behind its readiness gate, the parent draining, the outcome. Then the
// keys a person uses (describe, filter, help, delete that defaults to cancel, logs), and the
// banner when the server goes away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTPD_IMAGE, HTTPD_V2_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { BIN, sleep } from '../../helpers/processes.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { TmuxPane } from './tmux.js';

const COLS = 120;
const ROWS = 32;

// A web server that shuts down gracefully and takes a moment to do it (up to ~1.5 s, varying by
// instance), as real servers do: the drain is then visible step by step instead of all at once.
const GRACEFUL_HTTPD = ['sh', '-c', 'httpd -f -p 80 -h /www & pid=$!; trap \'sleep $((RANDOM % 2)).$((RANDOM % 10)); kill $pid; exit 0\' TERM; wait $pid'];

const readiness = [{
  type: 'http', url: 'http://localhost:80/health', interval: '300ms', timeout: '1s', threshold: 3, on_failure: 'restart',
  readiness: true, min_healthy_time: '3s',
}];

describe('ring tui in tmux during a rolling update', () => {
  let srv: TestServer;
  let token = '';
  const ns = uniqueNamespace('tui');
  const configDir = mkdtempSync(join(tmpdir(), 'ring-tui-it.'));
  const pane = new TmuxPane(`tui-${ns.slice(-8)}`);
  const frames: string[] = [];

  async function api(method: string, path: string, body?: unknown) {
    return srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  }

  async function deploy(image: string) {
    const r = await api('POST', '/deployments', {
      namespace: ns, name: 'web', runtime: 'docker', kind: 'worker', image, replicas: 3, command: GRACEFUL_HTTPD,
      config: { image_pull_policy: 'IfNotPresent' }, health_checks: readiness,
    });
    assert.equal(r.status, 201, r.text);
    return r.json as { id: string; parent_id?: string };
  }

  /** Captures until `predicate` holds; every distinct frame goes to the log. */
  async function until(what: string, predicate: (screen: string) => boolean, ms = 30_000, everyMs = 100): Promise<string> {
    const end = Date.now() + ms;
    let last = '';
    for (;;) {
      const screen = await pane.capture();
      if (screen !== last) {
        frames.push(screen);
        last = screen;
      }
      if (predicate(screen)) return screen;
      if (await pane.dead()) assert.fail(`ring tui exited while waiting for ${what}:\n${screen}`);
      if (Date.now() > end) assert.fail(`${what} not shown within ${ms} ms; screen:\n${screen}`);
      await sleep(everyMs);
    }
  }

  const show = (title: string, screen: string) => console.log(`----- ${title} -----\n${screen}\n----- end -----`);

  before(async () => {
    await ensureTestImages();
    srv = await startTestServer();
    token = await srv.adminToken();
    writeFileSync(join(configDir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(srv.url).port}\n`);
  });

  after(async () => {
    await pane.close();
    await srv?.close().catch(() => rmSync(srv.dir, { recursive: true, force: true }));
    await removeNamespaceArtifacts([ns]);
    rmSync(configDir, { recursive: true, force: true });
  });

  let childId = '';
  let parentId = '';

  it('shows the rollout as one item: the child filling behind its gate, the parent draining, then purged', async () => {
    const v1 = await deploy(HTTPD_IMAGE);
    parentId = v1.id;
    await pane.start(COLS, ROWS, [process.execPath, BIN, 'tui', '--interval', '250ms'], {
      RING_CONFIG_DIR: configDir, RING_TOKEN: token, TERM: 'xterm-256color', PATH: process.env.PATH ?? '',
    });
    await until('v1 running 3/3', (s) => /web\s+running\s+3\/3/.test(s), 60_000);

    const v2 = await deploy(HTTPD_V2_IMAGE);
    childId = v2.id;
    assert.equal(v2.parent_id, parentId);
    const start = frames.length;
    await until('the rollout purged the parent', (s) => /rolled out: 3 of 3 replaced, parent .* purged/.test(s), 120_000);
    const rollout = frames.slice(start);

    // What the frames showed, in order: the gate (child filling), the drain, the outcome.
    const gated = rollout.filter((f) => /web\s+rolling: gate shut/.test(f));
    const gateProgress = rollout.filter((f) => /gate: http :80\/health green \d+(ms|s) of 3s/.test(f));
    const draining = rollout.filter((f) => /web\s+rolling: draining/.test(f) || /drained [12] of 3/.test(f));
    const partial = rollout.filter((f) => /drained [12] of 3/.test(f));
    assert.ok(gated.length > 0, 'a frame shows the child gated');
    assert.ok(gateProgress.length > 0, 'a frame shows how long the gate has been green against min_healthy_time');
    assert.ok(draining.length > 0, 'a frame shows the parent draining');
    assert.ok(rollout.some((f) => /├ new .*\[█+░*\] [0-3]\/3 up/.test(f) && /└ old .*drained 0 of 3/.test(f)), 'a frame shows the child filling while the parent is whole');
    // Drain numbers never go back.
    const drainedSeq = rollout.map((f) => Number(/drained (\d) of 3/.exec(f)?.[1] ?? -1)).filter((n) => n >= 0);
    for (let i = 1; i < drainedSeq.length; i++) assert.ok(drainedSeq[i]! >= drainedSeq[i - 1]!, `drained went back: ${drainedSeq.join(',')}`);
    console.log(`# ${rollout.length} distinct frames during the rollout: ${gated.length} gated, ${draining.length} draining (${partial.length} part-drained); drained sequence ${[...new Set(drainedSeq)].join('→')}`);
    show('frame: child filling behind the gate', gateProgress[0] ?? gated[0]!);
    if (partial.length) show('frame: parent draining', partial[0]!);
    else show('frame: gate open, parent draining', draining[0]!);
    show('frame: outcome', rollout.at(-1)!);
    if (partial.length === 0) console.log('# note: no frame caught the parent part-drained (all instances stopped within one refresh)');
  });

  it('describe shows inspect, events and health-check history; esc goes back', async () => {
    await pane.send('/');
    await pane.send('web', true);
    await pane.send('Enter');
    // The prompt closes when Enter kept the filter (keys sent together may arrive as one chunk).
    await until('filtered to web', (s) => /· \/web ·/.test(s) && !/\/web█/.test(s) && /web\s+rolled out|web\s+running/.test(s));
    await pane.send('Enter');
    const s = await until('describe of web', (x) => new RegExp(`${ns}/web\\s+\\(${childId}\\)`).test(x) && /rolling_update_complete/.test(x) && /rolling_update_step/.test(x));
    show('frame: describe', s);
    await pane.send('PageDown');
    const checks = await until('health-check history after a page down', (x) => /Health checks \(newest first\)/.test(x) && /#0 http\s+success/.test(x));
    show('frame: describe, scrolled to the health checks', checks);
    await pane.send('Escape');
    await until('back to the list', (x) => /NAMESPACE\s+NAME\s+STATUS/.test(x));
  });

  it('? shows help; l shows logs; ctrl-d asks and Enter cancels', async () => {
    await pane.send('?');
    await until('help', (s) => /ctrl-d\s+delete the selected deployment/.test(s));
    await pane.send('Escape');
    await until('list again', (s) => /NAMESPACE/.test(s));
    await pane.send('l');
    await until('logs view', (s) => /Logs of .*\/web — all 3 instances/.test(s));
    await pane.send('Tab');
    await until('one instance', (s) => /Logs of .*\/web — instance [0-9a-f]{12}/.test(s));
    await pane.send('Escape');
    await until('list again', (s) => /NAMESPACE/.test(s));
    await pane.send('C-d');
    const ask = await until('delete confirmation', (s) => new RegExp(`Delete deployment ${ns}/web \\(${childId}\\)\\? \\[y/N\\]`).test(s));
    show('frame: delete confirmation', ask);
    await pane.send('Enter');
    await until('cancelled', (s) => /Delete cancelled/.test(s));
    const r = await api('GET', `/deployments/${childId}`);
    assert.equal(r.json.status, 'running', 'Enter did not delete');
  });

  it('server unreachable: a banner and retries, no crash', async () => {
    await srv.stop();
    const s = await until('banner', (x) => /Server unreachable at http:\/\/127\.0\.0\.1:\d+ \(connection refused\) — retrying in \d+s/.test(x), 20_000);
    show('frame: server unreachable', s);
    assert.equal(await pane.dead(), false);
    await pane.send('q');
    const end = Date.now() + 5000;
    while (!(await pane.dead())) {
      if (Date.now() > end) assert.fail('q did not end ring tui');
      await sleep(100);
    }
  });
});
