// Small helpers shared by the command modules.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GlobalOptions } from '../client/session.js';

/** --context / --config as given anywhere on the command line (the nearest command wins). */
export function globalsOf(cmd: Command): GlobalOptions {
  const g: GlobalOptions = {};
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.opts() as { context?: unknown; config?: unknown };
    if (g.context === undefined && typeof o.context === 'string') g.context = o.context;
    if (g.config === undefined && typeof o.config === 'string') g.config = o.config;
  }
  return g;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function positiveInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
    }
    return n;
  };
}

export const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table');
export const quietOption = () => new Option('-q, --quiet', 'print only ids, one a line');

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
