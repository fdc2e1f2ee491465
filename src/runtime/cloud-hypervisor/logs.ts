// Console logs (CLOUD-HYPERVISOR.md §1.8): the serial console is the VMM's stdout, appended to
// `<id>.console.log`; rotated copies are `.1` (newest) … `.N`. tail counts across backups and the
// live file; since filters per line when the line carries a timestamp, else by the file's mtime
// (Ring's all-or-nothing rule); follow polls and starts over when copy-truncate shrinks the file.
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import type { LogLevel, LogLine, LogOptions } from '../runtime.js';
import type { InstancePaths } from './paths.js';

export const FOLLOW_POLL_MS = 500;

/** Ring's console classifier: syslog `<N>`, bracketed tags, kernel panic markers; else unknown. */
export function classifyLine(line: string): LogLevel {
  const syslog = /^\s*<(\d)>/.exec(line);
  if (syslog) {
    const n = Number(syslog[1]);
    return n <= 3 ? 'error' : n === 4 ? 'warning' : n <= 6 ? 'info' : 'debug';
  }
  if (/Kernel panic|BUG:|Oops:|\bpanic\b|segfault|Call Trace:/.test(line)) return 'error';
  const tag = /\[\s*(ERROR|ERR|FAIL(?:ED)?|CRIT(?:ICAL)?|WARN(?:ING)?|INFO|OK|DEBUG|TRACE)\s*\]/i.exec(line);
  if (tag) {
    const t = tag[1]!.toUpperCase();
    if (/^(ERROR|ERR|FAIL|FAILED|CRIT|CRITICAL)$/.test(t)) return 'error';
    if (/^WARN/.test(t)) return 'warning';
    if (t === 'INFO' || t === 'OK') return 'info';
    return 'debug';
  }
  if (/^\s*(error|fatal)\b[:\s]/i.test(line)) return 'error';
  if (/^\s*warn(ing)?\b[:\s]/i.test(line)) return 'warning';
  // A kernel timestamp `[    1.234567]` is the kernel's info output.
  if (/^\s*\[\s*\d+\.\d+\]/.test(line)) return 'info';
  return 'unknown';
}

/** An ISO-8601 or syslog-ish stamp at the start of a line, as ms since epoch. */
export function lineTimestamp(line: string): number | null {
  const m = /^\s*(?:<\d>)?\s*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(line);
  if (!m) return null;
  const t = Date.parse(m[1]!.replace(' ', 'T'));
  return Number.isNaN(t) ? null : t;
}

/** The console files oldest first: `.N` … `.1`, then the live file. */
export function consoleFiles(paths: InstancePaths, maxBackups: number): string[] {
  const files: string[] = [];
  for (let n = Math.max(maxBackups, 9); n >= 1; n--) if (existsSync(paths.consoleBackup(n))) files.push(paths.consoleBackup(n));
  if (existsSync(paths.console)) files.push(paths.console);
  return files;
}

interface Stamped { text: string; at: number | null; fileMtime: number }

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}

/** Pure: the lines a tail/since request returns from files already read. */
export function selectLines(files: { text: string; mtimeMs: number }[], opts: { tail?: number; sinceMs?: number }): Stamped[] {
  let all: Stamped[] = [];
  for (const f of files) for (const text of splitLines(f.text)) all.push({ text, at: lineTimestamp(text), fileMtime: f.mtimeMs });
  if (opts.sinceMs !== undefined) {
    const since = opts.sinceMs;
    all = all.filter((l) => (l.at !== null ? l.at >= since : l.fileMtime >= since));
  }
  if (opts.tail !== undefined && opts.tail >= 0) all = opts.tail === 0 ? [] : all.slice(-opts.tail);
  return all;
}

function toLogLine(instance: string, l: Stamped): LogLine {
  return { instance, message: l.text, level: classifyLine(l.text), timestamp: l.at !== null ? new Date(l.at).toISOString() : null };
}

export async function* readConsoleLogs(instanceName: string, paths: InstancePaths, maxBackups: number, opts: LogOptions): AsyncGenerator<LogLine> {
  const files = consoleFiles(paths, maxBackups).map((f) => {
    try {
      return { text: readFileSync(f, 'utf8'), mtimeMs: statSync(f).mtimeMs };
    } catch {
      return { text: '', mtimeMs: 0 };
    }
  });
  const sel: { tail?: number; sinceMs?: number } = {};
  if (opts.tail !== undefined) sel.tail = opts.tail;
  if (opts.sinceSeconds !== undefined) sel.sinceMs = opts.sinceSeconds * 1000;
  for (const l of selectLines(files, sel)) yield toLogLine(instanceName, l);
  if (!opts.follow) return;

  // Follow the live file from where the read above ended. A rotation copies the live file to `.1`
  // and truncates it: what was written after our last read went into `.1` with the copy, so it is
  // read from there (from our offset) before the live file is read again from 0 (B18: no line
  // lost across a rotation). `.1` is recognised as new by its identity (inode, size, mtime).
  let offset = existsSync(paths.console) ? statSync(paths.console).size : 0;
  let backup = identity(paths.consoleBackup(1));
  let partial = '';
  const emit = function* (chunk: string): Generator<LogLine> {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const t = raw.replace(/\r$/, '');
      yield toLogLine(instanceName, { text: t, at: lineTimestamp(t), fileMtime: Date.now() });
    }
  };
  while (!opts.signal?.aborted) {
    await pause(FOLLOW_POLL_MS, opts.signal);
    if (opts.signal?.aborted) return;
    const now = identity(paths.consoleBackup(1));
    if (now !== null && now.key !== backup?.key) {
      backup = now;
      if (now.size > offset) yield* emit(readRange(paths.consoleBackup(1), offset, now.size - offset));
      offset = 0;
    }
    let size: number;
    try { size = statSync(paths.console).size; } catch { if (!existsSync(paths.sidecar)) return; continue; }
    if (size < offset) { offset = 0; partial = ''; } // truncated without a backup (rotation off): start over
    if (size === offset) continue;
    const chunk = readRange(paths.console, offset, size - offset);
    offset = size;
    yield* emit(chunk);
  }
}

/** Which file sits at `path` now (a rotation replaces `.1` with a new copy), or null. */
function identity(path: string): { key: string; size: number } | null {
  try {
    const st = statSync(path);
    return { key: `${st.ino}:${st.size}:${st.mtimeMs}`, size: st.size };
  } catch {
    return null;
  }
}

function readRange(path: string, start: number, length: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
