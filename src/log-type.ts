// The one Logger type every module takes: pino's calling convention (fields first, then the
// message), so the server's pino logger fits as is and tests pass a plain object. Kept apart from
// src/logger.ts (which builds the server's logger and owns the output format).
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export const SILENT_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };
