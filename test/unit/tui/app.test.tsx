// The TUI view: the list rendered to a string, and the whole app driven through fake terminal
// streams (keys in, frames out) with a fake data source.
import './interactive-terminal.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { render, renderToString } from 'ink';
import { App } from '../../../tui/App.js';
import { ItemList, type ListEntry } from '../../../tui/ItemList.js';
import type { Deployment, DeploymentEvent } from '../../../tui/format.js';
import type { HealthCheckResult } from '../../../tui/gate.js';
import { gateView } from '../../../tui/gate.js';
import { SourceError } from '../../../tui/problems.js';
import { groupItems, remember, rolloutProgress } from '../../../tui/rollout.js';
import type { LogLine, TuiSource } from '../../../tui/source.js';
import { itemRow } from '../../../tui/table.js';
import { deployment } from './fixtures.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const NOW = Date.parse('2024-05-01T10:00:30Z');
const THEME = { colour: true, ascii: false };

class FakeTerminal {
  readonly stdout: NodeJS.WriteStream & PassThrough;
  readonly stdin = Object.assign(new PassThrough(), {
    isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined,
  }) as unknown as NodeJS.ReadStream & PassThrough;
  readonly raw: string[] = [];

  constructor(columns = 120, rows = 30) {
    this.stdout = Object.assign(new PassThrough(), { columns, rows, isTTY: true }) as unknown as NodeJS.WriteStream & PassThrough;
    this.stdout.on('data', (c: Buffer) => this.raw.push(c.toString()));
  }

  /** What the last frame drew, without escape codes (cursor and sync-mode toggles come as writes of their own). */
  lastFrame(): string {
    for (let i = this.raw.length - 1; i >= 0; i--) {
      const text = this.raw[i]!.replace(ANSI, '');
      if (text.trim()) return text;
    }
    return '';
  }

  press(key: string): void {
    this.stdin.write(key);
  }

  async until(predicate: (frame: string) => boolean, what: string, ms = 3000): Promise<string> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (predicate(this.lastFrame())) return this.lastFrame();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${what}; last frame:\n${this.lastFrame()}`);
  }
}

class FakeSource implements TuiSource {
  readonly server = 'http://fake:1';
  readonly context = 'testctx';
  removed: string[] = [];
  namespaces: (string | undefined)[] = [];
  logRequests: { id: string; container?: string }[] = [];
  calls = 0;
  failWith: unknown;
  constructor(
    public list_: Deployment[],
    private readonly eventsById: Record<string, DeploymentEvent[]> = {},
    private readonly checksById: Record<string, HealthCheckResult[]> = {},
    private readonly logLines: LogLine[] = [],
  ) {}
  async list(namespace: string | undefined) {
    this.calls++;
    this.namespaces.push(namespace);
    if (this.failWith) throw this.failWith;
    return this.list_.filter((d) => !namespace || d.namespace === namespace);
  }
  async get(id: string) {
    const d = this.list_.find((x) => x.id === id);
    if (!d) throw new SourceError('not_found', 'gone', 404);
    return d;
  }
  async events(id: string) {
    return this.eventsById[id] ?? [];
  }
  async healthChecks(id: string) {
    return this.checksById[id] ?? [];
  }
  async remove(id: string) {
    this.removed.push(id);
    this.list_ = this.list_.filter((d) => d.id !== id);
  }
  async followLogs(id: string, opts: { container?: string; signal: AbortSignal }, onLine: (l: LogLine) => void) {
    this.logRequests.push({ id, ...(opts.container ? { container: opts.container } : {}) });
    for (const l of this.logLines) if (!opts.container || l.instance === opts.container) onLine(l);
    await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

async function withApp(source: FakeSource, term: FakeTerminal, body: (app: ReturnType<typeof render>) => Promise<void>, theme = THEME) {
  const app = render(<App source={source} intervalMs={40} now={() => NOW} theme={theme} />, {
    stdout: term.stdout, stdin: term.stdin, patchConsole: false, exitOnCtrlC: false,
  });
  try {
    await body(app);
  } finally {
    app.unmount();
    app.cleanup();
  }
}

const pause = (ms = 60) => new Promise((r) => setTimeout(r, ms));

/** A 3-replica rollout half-way: child 2 of 3 up and ready, parent drained 1 of 3. */
function rolloutFixture() {
  const parent = deployment('web', { id: 'parent-0001', replicas: 3, image: 'ring-test/httpd:v1', instances: [{ id: 'p2' }, { id: 'p3' }] });
  const child = deployment('web', {
    id: 'child-0002', parent_id: 'parent-0001', replicas: 3, status: 'running', image: 'ring-test/httpd:v2',
    instances: [{ id: 'c1' }, { id: 'c2' }],
    health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '1s', timeout: '1s', readiness: true, min_healthy_time: '2s' }],
    readiness: { min_healthy_ms: 2000, checks: [0], deadline_at: '2024-05-01T10:10:00Z' },
  } as Partial<Deployment>);
  return { parent, child };
}

describe('tui view', () => {
  it('renders plain rows: header, one line per deployment, every column', () => {
    const list = [deployment('alpha'), deployment('bravo', { status: 'crash_loop_back_off', restart_count: 5, instances: [], replicas: 2 })];
    const entries: ListEntry[] = groupItems(list, new Map()).map((item) => ({ item, row: itemRow(item, undefined, NOW) }));
    const text = renderToString(<ItemList entries={entries} selected={0} width={120} height={10} theme={THEME} now={NOW} emptyText="none" />, { columns: 120 }).replace(ANSI, '');
    const lines = text.split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+STATUS\s+REPLICAS\s+RESTARTS\s+IMAGE\s+AGE\s*$/);
    assert.match(lines[1]!, /^ns\s+alpha\s+running\s+1\/1\s+0\s+ring-test\/busybox:1\s+30s\s*$/);
    assert.match(lines[2]!, /^ns\s+bravo\s+crash_loop_back_off\s+0\/2\s+5\s+ring-test\/busybox:1\s+30s\s*$/);
    assert.equal(lines.length, 3);
  });

  it('renders a rollout as one item: the child filling, the parent draining', () => {
    const { parent, child } = rolloutFixture();
    const list = [parent, child];
    const mem = remember(new Map(), list, NOW);
    const [item] = groupItems(list, mem);
    assert.equal(item?.kind, 'rollout');
    if (item?.kind !== 'rollout') return;
    const gate = gateView(child.readiness, child.health_checks, [], ['c1', 'c2'], NOW);
    const progress = rolloutProgress(item, gate, NOW);
    const entries: ListEntry[] = [{ item, row: itemRow(item, progress, NOW), progress, ...(gate ? { gate } : {}) }];
    const text = renderToString(<ItemList entries={entries} selected={0} width={120} height={10} theme={THEME} now={NOW} emptyText="none" />, { columns: 120 }).replace(ANSI, '');
    const lines = text.split('\n');
    assert.equal(lines.length, 4, text);
    assert.match(lines[1]!, /^ns\s+web\s+rolling: draining\s+2\/3\s+0\s+ring-test\/httpd:v1 → ring-test\/httpd:v2/);
    assert.match(lines[2]!, /├ new child-00 running\s+\[█+░+\] 2\/3 up\s+gate open/);
    assert.match(lines[3]!, /└ old parent-0 running\s+\[█+░+\] drained 1 of 3/);
  });

  it('lists, describes (events + health checks), asks before ctrl-d deletes (default cancel), quits on q', async () => {
    const events: DeploymentEvent[] = [{
      id: 'e1', deployment_id: 'id-bravo', timestamp: '2024-05-01T10:00:01Z', level: 'info', message: 'Scaled up from 0 to 1 replicas', component: 'scheduler', reason: 'scale_up',
    }];
    const checks: HealthCheckResult[] = [{
      id: 'h1', deployment_id: 'id-bravo', check_type: 'tcp', check_index: 0, instance_id: 'c1', status: 'failed', message: 'connection refused',
      created_at: '2024-05-01T10:00:02Z', started_at: '2024-05-01T10:00:02Z', finished_at: '2024-05-01T10:00:02.200Z',
    }];
    const source = new FakeSource([deployment('alpha'), deployment('bravo')], { 'id-bravo': events }, { 'id-bravo': checks });
    const term = new FakeTerminal();
    await withApp(source, term, async (app) => {
      await term.until((f) => /alpha/.test(f) && /bravo/.test(f) && /running/.test(f), 'both deployments shown');
      assert.match(term.lastFrame(), /2 items/);
      await pause(100); // ink attaches its key listener after the first frame
      assert.match(term.lastFrame(), /server http:\/\/fake:1 · ctx testctx · ns all · refreshed 10:00:30/);

      term.press('\x1b[B'); // ↓ selects bravo
      await pause();
      term.press('\r');
      await term.until((f) => /ns\/bravo\s+\(id-bravo\)/.test(f) && /scale_up\s+Scaled up from 0 to 1 replicas/.test(f) && /#0 tcp\s+failed\s+c1\s+200ms\s+connection refused/.test(f), 'describe of bravo');
      term.press('\x1b');
      await term.until((f) => /NAMESPACE/.test(f) && !/Events \(newest/.test(f), 'back to the list');

      term.press('d'); // d also describes (k9s), it never deletes
      await term.until((f) => /Health checks \(newest first\)/.test(f), 'd describes');
      term.press('d');
      await term.until((f) => /NAMESPACE/.test(f), 'd closes describe');
      assert.deepEqual(source.removed, []);

      term.press('\x04'); // ctrl-d
      await term.until((f) => /Delete deployment ns\/bravo \(id-bravo\)\? \[y\/N\]/.test(f), 'delete confirmation');
      term.press('\r'); // Enter = the default = cancel
      await term.until((f) => /Delete cancelled/.test(f), 'cancelled');
      assert.deepEqual(source.removed, []);

      term.press('\x04');
      await term.until((f) => /\[y\/N\]/.test(f), 'delete confirmation again');
      term.press('y');
      await term.until((f) => /Deleted ns\/bravo/.test(f) && !/bravo\s+running/.test(f), 'bravo deleted and gone');
      assert.deepEqual(source.removed, ['id-bravo']);
      assert.match(term.lastFrame(), /alpha\s+running/);
      const polls = source.calls;
      await pause(200);
      assert.ok(source.calls > polls, 'keeps polling');

      term.press('q');
      await Promise.race([app.waitUntilExit(), pause(2000).then(() => assert.fail('q did not exit the app within 2 s'))]);
    });
  });

  it('/ filters as typed, esc clears; :ns switches the namespace; ? shows help', async () => {
    const source = new FakeSource([deployment('alpha'), deployment('bravo'), deployment('charlie', { namespace: 'other', id: 'id-c' })]);
    const term = new FakeTerminal();
    await withApp(source, term, async () => {
      await term.until((f) => /charlie/.test(f), 'all shown');
      await pause(100);
      term.press('/');
      await pause();
      term.press('brav');
      await term.until((f) => /bravo/.test(f) && !/alpha/.test(f) && !/charlie/.test(f) && /\/brav█/.test(f), 'filtered while typing');
      term.press('\r');
      await term.until((f) => /· \/brav ·/.test(f), 'filter kept, shown in the footer');
      term.press('\x1b');
      await term.until((f) => /alpha/.test(f) && /charlie/.test(f), 'filter cleared');

      term.press(':');
      await pause();
      term.press('ns other');
      await term.until((f) => /:ns other█/.test(f), 'command typed');
      term.press('\r');
      await term.until((f) => /charlie/.test(f) && !/alpha/.test(f) && /ns other/.test(f), 'namespace other');
      assert.equal(source.namespaces.at(-1), 'other');
      term.press(':');
      await pause();
      term.press('nope');
      await pause();
      term.press('\r');
      await term.until((f) => /unknown command ':nope'/.test(f), 'bad command explained');

      term.press('?');
      await term.until((f) => /Keys/.test(f) && /ctrl-d\s+delete the selected deployment/.test(f), 'help');
      term.press('\x1b');
      await term.until((f) => /NAMESPACE/.test(f), 'help closed');
    });
  });

  it('l follows the logs of the selected deployment, tab picks one instance', async () => {
    const d = deployment('alpha', { instances: [{ id: 'inst-aaaa' }, { id: 'inst-bbbb' }], replicas: 2 });
    const lines: LogLine[] = [
      { instance: 'inst-aaaa', message: 'hello from a', level: 'stdout', timestamp: '2024-05-01T10:00:01Z' },
      { instance: 'inst-bbbb', message: 'hello from b', level: 'stdout', timestamp: '2024-05-01T10:00:02Z' },
    ];
    const source = new FakeSource([d], {}, {}, lines);
    const term = new FakeTerminal();
    await withApp(source, term, async () => {
      await term.until((f) => /alpha/.test(f), 'shown');
      await pause(100);
      term.press('l');
      await term.until((f) => /Logs of ns\/alpha — all 2 instances/.test(f) && /hello from a/.test(f) && /hello from b/.test(f), 'all instances');
      term.press('\t');
      await term.until((f) => /instance inst-aaaa/.test(f) && /hello from a/.test(f) && !/hello from b/.test(f), 'one instance');
      assert.deepEqual(source.logRequests.at(-1), { id: 'id-alpha', container: 'inst-aaaa' });
      term.press('\x1b');
      await term.until((f) => /NAMESPACE/.test(f), 'back');
    });
  });

  it('follows the push stream when the source has one: changes arrive without polling the list', async () => {
    const source = new FakeSource([deployment('alpha')]);
    let push: ((l: Deployment[]) => void) | undefined;
    (source as TuiSource).watch = (_ns, signal, onList) => new Promise<void>((resolve) => {
      push = onList;
      onList([deployment('alpha')]);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const term = new FakeTerminal();
    await withApp(source, term, async () => {
      await term.until((f) => /alpha/.test(f) && /live stream/.test(f), 'streamed list');
      const polls = source.calls;
      push!([deployment('alpha'), deployment('zulu')]);
      await term.until((f) => /zulu/.test(f), 'a pushed change shows');
      await pause(200);
      assert.ok(source.calls <= polls + 1, `the list is not polled while the stream is live (${source.calls - polls} polls)`);
    });
  });

  it('server unreachable: a banner with the retry, the last data kept; back when it answers', async () => {
    const source = new FakeSource([deployment('alpha')]);
    const term = new FakeTerminal();
    await withApp(source, term, async () => {
      await term.until((f) => /alpha/.test(f), 'alpha shown');
      source.failWith = new SourceError('unreachable', 'connection refused');
      await term.until((f) => /Server unreachable at http:\/\/fake:1 \(connection refused\) — retrying in \d+s/.test(f) && /alpha/.test(f), 'banner above the last table');
      source.failWith = undefined;
      await term.until((f) => !/unreachable/.test(f) && /alpha/.test(f), 'banner gone after recovery', 6000);
    });
  });

  it('a token lacking a scope gets one clear line, no crash', async () => {
    const source = new FakeSource([]);
    source.failWith = new SourceError('forbidden', "The token lacks the 'deployments:read' scope — cannot list deployments", 403);
    const term = new FakeTerminal();
    await withApp(source, term, async () => {
      await term.until((f) => /The token lacks the 'deployments:read' scope — cannot list deployments/.test(f) && /No data yet/.test(f), 'scope line');
    });
  });

  it('degrades: a 50-column terminal keeps name and status; NO_COLOR draws no colour codes', async () => {
    const { parent, child } = rolloutFixture();
    const source = new FakeSource([deployment('alpha'), parent, child]);
    const term = new FakeTerminal(50, 20);
    await withApp(source, term, async () => {
      const f = await term.until((fr) => /alpha\s+running/.test(fr) && /drained 1 of 3/.test(fr), 'narrow list');
      for (const line of f.split('\n')) assert.ok([...line].length <= 50, `line fits 50 columns: '${line}'`);
      assert.doesNotMatch(f, /IMAGE|RESTARTS/);
    }, { colour: false, ascii: true });
    assert.doesNotMatch(term.raw.join(''), /\x1b\[(3[0-7]|9[0-7])m/, 'no foreground colour escapes');
    assert.match(term.raw.join(''), /\[#+-+\]/, 'ASCII bars');
  });
});
