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
  const { level: n, time, target, msg, ...rest } = line;
  const levelName = LEVEL_NAMES[n] ?? 'INFO';
  const fields: Record<string, unknown> = { message: msg ?? '' };
  for (const [k, v] of Object.entries(rest)) fields[k] = fieldValue(v);
  const tgt = target ?? 'ring';
  if (format === 'json') return `${JSON.stringify({ timestamp: time, level: levelName, fields, target: tgt })}\n`;
  const kv = Object.entries(rest).map(([k, v]) => ` ${k}=${textValue(v)}`).join('');
  return `${time} ${levelName.padStart(5)} ${tgt}: ${msg ?? ''}${kv}\n`;
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

/** Wraps a destination so that each pino line reaches it rendered in `format` (and reaches the taps). */
function formatting(format: LogFormat, destination: pino.DestinationStream, readers: Set<LogTap>): pino.DestinationStream {
  let pending = '';
  return {
    write(chunk: string) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const one = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (one.trim() === '') continue;
        destination.write(renderLine(one, format));
        if (readers.size > 0) {
          try {
            const record = JSON.parse(one) as Record<string, unknown>;
            for (const tap of readers) tap(record);
          } catch { /* a line pino did not write as JSON, or a failing tap: the console line is what counts */ }
        }
      }
    },
  };
}

/**
 * The server's logger. `format` defaults to RING_LOG_FORMAT; `destination` to stdout (synchronous,
 * so lines written just before an exit are not lost).
 */
export function createLogger(
  spec = 'info',
  destination?: pino.DestinationStream,
  format: LogFormat = logFormatOf(process.env.RING_LOG_FORMAT),
): pino.Logger {
  const out = destination ?? pino.destination({ fd: 1, sync: true });
  const readers = new Set<LogTap>();
  const logger = pino({ level: logLevelOf(spec), base: { target: 'ring' }, timestamp: pino.stdTimeFunctions.isoTime }, formatting(format, out, readers));
  taps.set(logger, readers);
  return logger;
}
