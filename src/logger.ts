// Console logs on stdout through pino, rendered in Ring's two formats: human-readable text by default,
// or, with RING_LOG_FORMAT=json, Ring's JSON lines (tracing-subscriber's shape: `timestamp`, a string
// `level`, `target`, and the message plus every other field under `fields`). The level comes from
// RING_LOG_LEVEL, else RUST_LOG (Ring compatibility, so `RUST_LOG=warn,ring=debug` works), else
// `[server] log_level` (src/config.ts).
import pino from 'pino';

/**
 * The one Logger type every module takes is src/log-type.ts's (re-exported here); the server's own
 * pino logger is one of them, with pino's extras (child loggers, message-only calls) for the API.
 */
export type { Logger } from './log-type.js';
export type ServerLogger = pino.Logger;
export type LogFormat = 'text' | 'json';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const ALIASES: Record<string, string> = { warning: 'warn', off: 'silent', none: 'silent' };

function level(word: string): string | undefined {
  const w = word.trim().toLowerCase();
  const l = ALIASES[w] ?? w;
  return LEVELS.has(l) ? l : undefined;
}

/**
 * A pino level from a level name or an env_logger directive list: a `ring=<level>` (or
 * `ring::…=<level>`) directive wins over a bare default level; anything unreadable → info.
 */
export function logLevelOf(spec: string | undefined): string {
  let fallback: string | undefined;
  for (const directive of (spec ?? '').split(',')) {
    const eq = directive.indexOf('=');
    if (eq < 0) {
      fallback = level(directive) ?? fallback;
      continue;
    }
    const target = directive.slice(0, eq).trim();
    if (target === 'ring' || target.startsWith('ring::')) {
      const l = level(directive.slice(eq + 1));
      if (l) return l;
    }
  }
  return fallback ?? 'info';
}

/** RING_LOG_FORMAT: `json` (any case) → JSON lines; anything else, or unset → text, as Ring. */
export function logFormatOf(raw: string | undefined): LogFormat {
  return raw?.trim().toLowerCase() === 'json' ? 'json' : 'text';
}

// tracing has no fatal: it is an ERROR line like Ring's.
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'ERROR' };

interface PinoLine { level: number; time: string; target?: string; msg?: string; [field: string]: unknown }

/** An error field as one readable value: its message (pino's err serializer gives {type, message, stack}). */
function fieldValue(v: unknown): unknown {
  if (v && typeof v === 'object' && 'message' in v && ('stack' in v || 'type' in v)) return (v as { message: unknown }).message;
  return v;
}

function textValue(v: unknown): string {
  const x = fieldValue(v);
  if (typeof x === 'string') return /^[^\s"=]+$/.test(x) ? x : JSON.stringify(x);
  return typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x);
}

/**
 * One pino JSON line in the chosen format. Exported for tests. The text shape is tracing's default
 * (`<timestamp>  INFO ring: message key=value`); the JSON one is tracing-subscriber's json layer.
 */
export function renderLine(pinoJson: string, format: LogFormat): string {
  let line: PinoLine;
  try {
    line = JSON.parse(pinoJson) as PinoLine;
  } catch {
    return pinoJson.endsWith('\n') ? pinoJson : `${pinoJson}\n`;
  }
  return renderRecord(line, format);
}

/** One parsed pino record in the chosen format (renderLine without the parse). */
function renderRecord(line: PinoLine, format: LogFormat): string {
  const levelName = LEVEL_NAMES[line.level] ?? 'INFO';
  const tgt = line.target ?? 'ring';
  const msg = line.msg ?? '';
  if (format === 'json') {
    const fields: Record<string, unknown> = { message: msg };
    for (const k in line) if (k !== 'level' && k !== 'time' && k !== 'target' && k !== 'msg') fields[k] = fieldValue(line[k]);
    return `${JSON.stringify({ timestamp: line.time, level: levelName, fields, target: tgt })}\n`;
  }
  let kv = '';
  for (const k in line) if (k !== 'level' && k !== 'time' && k !== 'target' && k !== 'msg') kv += ` ${k}=${textValue(line[k])}`;
  return `${line.time} ${levelName.padStart(5)} ${tgt}: ${msg}${kv}\n`;
}

/** A reader of every line the server logs, as pino's record (the OTLP log export, src/telemetry/). */
export type LogTap = (record: Record<string, unknown>) => void;
const taps = new WeakMap<pino.Logger, Set<LogTap>>();

/**
 * Adds a reader of every line `logger` (and its children) writes; returns its removal, or null for a
 * logger createLogger() did not build. A tap that throws loses that one record; the console line is written first.
 */
export function tapLog(logger: pino.Logger, tap: LogTap): (() => void) | null {
  const set = taps.get(logger);
  if (!set) return null;
  set.add(tap);
  return () => set.delete(tap);
}

/** Buffered console streams, flushed synchronously when the process exits (one listener for all). */
const unflushed = new Set<{ flush(cb?: (err?: Error) => void): void }>();
let exitHook = false;

/**
 * Wraps a destination so that each pino line reaches it rendered in `format` (and reaches the taps).
 * `buffered`: rendered lines are collected and written once per event-loop turn (setImmediate), or
 * at once past 64 KiB, for an error line, and on process exit — one write(2) for every line of a
 * turn instead of one per line (the access log under load). What a SIGKILL can lose is the lines
 * of the turn it interrupts. Unbuffered, every line is written before write() returns.
 */
function formatting(format: LogFormat, destination: pino.DestinationStream, readers: Set<LogTap>, buffered: boolean): pino.DestinationStream & { flush(cb?: (err?: Error) => void): void; record(r: PinoLine): void } {
  let pending = '';
  let out = '';
  let scheduled = false;
  // Also pino's logger.flush(cb): what is buffered is written now (synchronously), then cb.
  const flush = (cb?: (err?: Error) => void): void => {
    scheduled = false;
    if (out !== '') {
      const text = out;
      out = '';
      destination.write(text);
    }
    cb?.();
  };
  const emitRecord = (record: PinoLine | undefined, one: string): void => {
    const rendered = record ? renderRecord(record, format) : `${one}\n`;
    if (!buffered) destination.write(rendered);
    else {
      out += rendered;
      if (out.length >= 65_536 || (record && record.level >= 50)) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => { if (scheduled) flush(); });
      }
    }
    if (record && readers.size > 0) {
      try {
        for (const tap of readers) tap(record);
      } catch { /* a failing tap: the console line is what counts */ }
    }
  };
  const emit = (one: string): void => {
    let record: PinoLine | undefined;
    try {
      record = JSON.parse(one) as PinoLine;
    } catch { /* not pino's JSON: passed through as it is */ }
    emitRecord(record, one);
  };
  const stream = {
    write(chunk: string) {
      // pino writes one whole line per call: no joining needed unless a chunk ever splits one.
      if (pending === '' && chunk.indexOf('\n') === chunk.length - 1) {
        const one = chunk.slice(0, -1);
        if (one.trim() !== '') emit(one);
        return;
      }
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const one = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (one.trim() === '') continue;
        emit(one);
      }
    },
    flush,
    record: (r: PinoLine) => emitRecord(r, ''),
  };
  if (buffered) {
    unflushed.add(stream);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => { for (const s of unflushed) s.flush(); });
    }
  }
  return stream;
}

/**
 * The server's logger. `format` defaults to RING_LOG_FORMAT; `destination` to stdout (synchronous
 * writes, so lines written just before an exit are not lost). `buffered` (default: when writing to
 * stdout) writes once per event-loop turn instead of once per line (see formatting()); a logger
 * given a destination writes through unless asked.
 */
export function createLogger(
  spec = 'info',
  destination?: pino.DestinationStream,
  format: LogFormat = logFormatOf(process.env.RING_LOG_FORMAT),
  opts: { buffered?: boolean } = {},
): pino.Logger {
  const out = destination ?? pino.destination({ fd: 1, sync: true });
  const readers = new Set<LogTap>();
  const stream = formatting(format, out, readers, opts.buffered ?? destination === undefined);
  const logger = pino({ level: logLevelOf(spec), base: { target: 'ring' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  taps.set(logger, readers);
  direct.set(logger, stream.record);
  return logger;
}

const direct = new WeakMap<pino.Logger, (r: PinoLine) => void>();

/**
 * An info line without pino's round trip (serialised to JSON by pino, parsed again by the renderer):
 * the same record, rendered and tapped alike. For the access log, one line a request — the round
 * trip was ~20 µs of a GET's CPU. `fields` hold only plain values; undefined ones are left out, as
 * pino leaves them out. A logger createLogger() did not build takes the ordinary path.
 */
export function logInfoDirect(logger: pino.Logger, fields: Record<string, string | number | undefined>, msg: string): void {
  if (!logger.isLevelEnabled('info')) return;
  const record = direct.get(logger);
  if (!record) {
    logger.info(fields, msg);
    return;
  }
  const line: PinoLine = { level: 30, time: new Date().toISOString(), target: 'ring' };
  for (const k in fields) if (fields[k] !== undefined) line[k] = fields[k];
  line.msg = msg;
  record(line);
}
