// The TUI view: the table rendered to a string, and the whole app driven through fake terminal
// streams (keys in, frames out) with a fake data source.
import './interactive-terminal.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { render, renderToString } from 'ink';
import { App } from '../../../tui/App.js';
import { DeploymentTable } from '../../../tui/DeploymentTable.js';
import { toRows, type Deployment, type DeploymentEvent } from '../../../tui/format.js';
import type { TuiSource } from '../../../tui/source.js';
import { deployment } from './fixtures.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const NOW = Date.parse('2024-05-01T10:00:30Z');

class FakeTerminal {
  readonly stdout = Object.assign(new PassThrough(), { columns: 120, rows: 30, isTTY: true }) as unknown as NodeJS.WriteStream & PassThrough;
  readonly stdin = Object.assign(new PassThrough(), {
    isTTY: true, setRawMode: () => undefined, ref: () => undefined, unref: () => undefined,
  }) as unknown as NodeJS.ReadStream & PassThrough;
  private frames: string[] = [];

  constructor() {
    this.stdout.on('data', (c: Buffer) => this.frames.push(c.toString()));
  }

  /** What the last frame drew, without escape codes (cursor and sync-mode toggles come as writes of their own). */
  lastFrame(): string {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const text = this.frames[i]!.replace(ANSI, '');
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
  readonly description = 'http://fake — namespace: all';
  removed: string[] = [];
  calls = 0;
  constructor(public list_: Deployment[], private readonly eventsById: Record<string, DeploymentEvent[]> = {}) {}
  async list() {
    this.calls++;
    return this.list_;
  }
  async events(id: string) {
    return this.eventsById[id] ?? [];
  }
  async remove(id: string) {
    this.removed.push(id);
    this.list_ = this.list_.filter((d) => d.id !== id);
  }
}

describe('tui view', () => {
  it('renders the table: header, one line per deployment, every column', () => {
    const rows = toRows([deployment('alpha'), deployment('bravo', { status: 'crash_loop_back_off', restart_count: 5, instances: [], replicas: 2 })], NOW);
    const text = renderToString(<DeploymentTable rows={rows} selected={0} width={120} height={10} />, { columns: 120 }).replace(ANSI, '');
    const lines = text.split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+STATUS\s+REPLICAS\s+RESTARTS\s+IMAGE\s+AGE\s*$/);
    assert.match(lines[1]!, /^ns\s+alpha\s+running\s+1\/1\s+0\s+ring-test\/busybox:1\s+30s\s*$/);
    assert.match(lines[2]!, /^ns\s+bravo\s+crash_loop_back_off\s+0\/2\s+5\s+ring-test\/busybox:1\s+30s\s*$/);
    assert.equal(lines.length, 3);
  });

  it('scrolls a long table around the selection and says where it is', () => {
    const rows = toRows(Array.from({ length: 40 }, (_, i) => deployment(`d${String(i).padStart(2, '0')}`)), NOW);
    const text = renderToString(<DeploymentTable rows={rows} selected={30} width={120} height={10} />, { columns: 120 }).replace(ANSI, '');
    assert.match(text, /d30/);
    assert.doesNotMatch(text, /d00/);
    assert.match(text, /rows \d+-\d+ of 40/);
    assert.equal(text.split('\n').length, 11);
  });

  it('polls, selects with the arrows, shows events, deletes after y, and quits on q', async () => {
    const events: DeploymentEvent[] = [{
      id: 'e1', deployment_id: 'id-bravo', timestamp: '2024-05-01T10:00:01Z', level: 'info', message: 'Scaled up from 0 to 1 replicas', component: 'scheduler', reason: 'scale_up',
    }];
    const source = new FakeSource([deployment('alpha'), deployment('bravo')], { 'id-bravo': events });
    const term = new FakeTerminal();
    const app = render(<App source={source} intervalMs={50} now={() => NOW} />, {
      stdout: term.stdout, stdin: term.stdin, patchConsole: false, exitOnCtrlC: false,
    });
    try {
      await term.until((f) => /alpha/.test(f) && /bravo/.test(f) && /running/.test(f), 'both deployments shown');
      assert.match(term.lastFrame(), /2 deployments/);

      term.press('\x1b[B'); // ↓ selects bravo
      await new Promise((r) => setTimeout(r, 50));
      term.press('e');
      await term.until((f) => /Events of bravo/.test(f) && /scale_up\s+Scaled up from 0 to 1 replicas/.test(f), 'events of bravo');
      term.press('e');
      await term.until((f) => !/Events of/.test(f), 'events closed');

      term.press('d');
      await term.until((f) => /Delete deployment ns\/bravo \(id-bravo\)\? \[y\/N\]/.test(f), 'delete confirmation');
      term.press('n');
      await term.until((f) => /Delete cancelled/.test(f), 'cancelled');
      assert.deepEqual(source.removed, []);

      term.press('d');
      await term.until((f) => /\[y\/N\]/.test(f), 'delete confirmation again');
      term.press('y');
      await term.until((f) => /Deleted ns\/bravo/.test(f) && !/bravo\s+running/.test(f), 'bravo deleted and gone');
      assert.deepEqual(source.removed, ['id-bravo']);
      assert.match(term.lastFrame(), /alpha\s+running/);
      const polls = source.calls;
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(source.calls > polls, 'keeps polling');

      term.press('q');
      await Promise.race([
        app.waitUntilExit(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('q did not exit the app within 2 s')), 2000)),
      ]);
    } finally {
      app.unmount();
      app.cleanup();
    }
  });

  it('shows a failing server and keeps the last table', async () => {
    const source = new FakeSource([deployment('alpha')]);
    let fail = false;
    const list = source.list.bind(source);
    source.list = async () => {
      if (fail) throw new Error('error: cannot reach the server at http://fake — is it running? (connection refused)');
      return list();
    };
    const term = new FakeTerminal();
    const app = render(<App source={source} intervalMs={30} now={() => NOW} />, { stdout: term.stdout, stdin: term.stdin, patchConsole: false, exitOnCtrlC: false });
    try {
      await term.until((f) => /alpha/.test(f), 'alpha shown');
      fail = true;
      await term.until((f) => /cannot reach the server at http:\/\/fake/.test(f) && /alpha/.test(f), 'error line above the last table');
    } finally {
      app.unmount();
      app.cleanup();
    }
  });
});
