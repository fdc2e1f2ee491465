// How `ring apply --wait` and `ring deployment wait` show a rollout on stderr: on a TTY a live block,
// one line per deployment redrawn in place; otherwise one plain line per change (CI logs).
import { InvalidArgumentError } from 'commander';
import type { RolloutProgress, RolloutResult } from '../client/wait.js';
import { parseDuration } from '../domain/durations.js';
import { formatTime, paintLevel, paintStatus } from './output.js';

export function parseTimeout(raw: string): number {
  const ms = /^\d+$/.test(raw.trim()) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === null || !Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 5m or 1h30m');
  return ms;
}

function stepOf(p: RolloutProgress): string {
  return p.verdict.state === 'failed' ? `FAILED: ${p.verdict.reason}` : p.verdict.step;
}

const labelOf = (p: RolloutProgress) => (p.namespace ? `${p.namespace}/${p.name}` : p.id);

function lineOf(p: RolloutProgress): string {
  return `${labelOf(p)} (${p.id.slice(0, 8)}): ${paintStatus(p.status)} ${p.ready}/${p.desired} — ${stepOf(p)}`;
}

export interface ProgressView {
  onProgress(p: RolloutProgress, all: RolloutProgress[]): void;
  /** Leaves the live block as it is (final state) and moves below it. */
  done(): void;
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  const secs = () => ((Date.now() - started) / 1000).toFixed(1);
  if (!stream.isTTY) {
    return {
      onProgress: (p) => stream.write(`[${secs()}s] ${lineOf(p)}\n`),
      done: () => {},
    };
  }
  let drawn = 0;
  return {
    onProgress(_p, all) {
      // Cursor up over the previous block, clear each line, redraw.
      let text = drawn ? `\x1b[${drawn}A` : '';
      for (const p of all) text += `\x1b[2K${lineOf(p)}\n`;
      text += `\x1b[2K  waiting ${secs()}s\n`;
      drawn = all.length + 1;
      stream.write(text);
    },
    done: () => {},
  };
}

/** What a wait ended with, on stderr: nothing on success; the failure with its last events; the timeout. */
export function reportRollout(r: RolloutResult, timeoutMs: number | undefined, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (r.outcome === 'succeeded') {
    write(`Rollout complete: ${r.deployments.map(labelOf).join(', ')}`);
    return;
  }
  if (r.outcome === 'timeout') {
    const pending = r.deployments.filter((d) => d.verdict.state !== 'succeeded');
    write(`error: timed out after ${Math.round((timeoutMs ?? 0) / 1000)}s waiting for ${pending.map((d) => `${labelOf(d)} (${d.id}): ${stepOf(d)}`).join('; ')}`);
    return;
  }
  for (const f of r.failures) {
    write(`error: rollout of ${labelOf(f)} (${f.id}) failed: ${f.reason}`);
    if (f.events.length) {
      write('Last events (newest first):');
      for (const e of f.events.slice(0, 10)) write(`  ${formatTime(e.timestamp)}  ${paintLevel(e.level)}  ${e.reason}  ${e.message}`);
    }
  }
}
