// A private tmux server for one test: run a command in a detached pane of a given size, send
// keys, capture what the pane shows. Only this server (its own -L socket) is ever killed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function tmux(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('tmux', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export class TmuxPane {
  private readonly dir = mkdtempSync(join(tmpdir(), 'ring-tmux.'));
  readonly socket: string;
  private readonly target: string;

  constructor(readonly session: string) {
    this.socket = `ring-test-${session}-${process.pid}`;
    this.target = `=${session}:`;
    writeFileSync(join(this.dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 5000\nset -g status off\n');
  }

  /** Starts `argv` (with `env`) in a detached cols×rows pane. */
  async start(cols: number, rows: number, argv: string[], env: Record<string, string>): Promise<void> {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = ['env', ...Object.entries(env).map(([k, v]) => q(`${k}=${v}`)), ...argv.map(q)].join(' ');
    const r = await tmux(['-L', this.socket, '-f', join(this.dir, 'tmux.conf'), 'new-session', '-d', '-s', this.session, '-x', String(cols), '-y', String(rows), cmd]);
    if (r.code !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
  }

  async capture(): Promise<string> {
    const r = await tmux(['-L', this.socket, 'capture-pane', '-p', '-J', '-t', this.target]);
    return r.code === 0 ? r.stdout.replace(/\s+$/, '') : '';
  }

  /** Keys as tmux names them (`Enter`, `Escape`, `C-d`) or literal text with `literal`. */
  async send(keys: string, literal = false): Promise<void> {
    await tmux(['-L', this.socket, 'send-keys', '-t', this.target, ...(literal ? ['-l'] : []), keys]);
  }

  async dead(): Promise<boolean> {
    const r = await tmux(['-L', this.socket, 'display-message', '-p', '-t', this.target, '#{pane_dead}']);
    return r.stdout.trim() === '1';
  }

  async close(): Promise<void> {
    await tmux(['-L', this.socket, 'kill-server']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
