// Structured JSON logs (pino) on stdout. The level comes from RING_LOG_LEVEL, else RUST_LOG (Ring
// compatibility, so `RUST_LOG=warn,ring=debug` works), else `[server] log_level` (src/config.ts).
import pino from 'pino';

export type Logger = pino.Logger;

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

export function createLogger(spec = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level: logLevelOf(spec), base: { target: 'ring' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(1));
}
