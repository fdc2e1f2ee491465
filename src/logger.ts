// Structured JSON logs (pino) on stdout. RING_LOG_LEVEL (or RUST_LOG, for Ring compatibility) sets the level.
import pino from 'pino';

export type Logger = pino.Logger;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const lvl = LEVELS.has(level.toLowerCase()) ? level.toLowerCase() : 'info';
  return pino({ level: lvl, base: { target: 'ring' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(1));
}
