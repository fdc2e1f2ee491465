// `-o json|yaml` and `-q` for every list/inspect command: one place decides how data leaves the CLI,
// so a script gets the same shapes from every command (the API's JSON, as YAML when asked).
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { parseOutputFormat, printRaw } from './output.js';

export interface EmitOptions { output?: string; quiet?: boolean }

function optsOf(cmd: Command): EmitOptions {
  const o = cmd.opts() as { output?: unknown; quiet?: unknown };
  return { output: typeof o.output === 'string' ? o.output : undefined, quiet: o.quiet === true };
}

/** The id of a listed object (`id`, else `name`). */
function idOf(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  return typeof r.id === 'string' ? r.id : typeof r.name === 'string' ? r.name : undefined;
}

/** Prints `data` as asked by `-o` / `-q` on `cmd`; `human` prints the table or field view. */
export function emit(cmd: Command, data: unknown, human: () => void): void {
  const o = optsOf(cmd);
  if (o.quiet) {
    const items = Array.isArray(data) ? data : [data];
    const ids = items.map(idOf).filter((x): x is string => !!x);
    if (ids.length) printRaw(ids.join('\n'));
    return;
  }
  const format = parseOutputFormat(o.output);
  if (format === 'json') return printRaw(JSON.stringify(data, null, 2));
  if (format === 'yaml') return printRaw(toYaml(data));
  human();
}

/** True when `-o json|yaml` or `-q` asks for machine output (human lines then go to stderr). */
export function machineOutput(cmd: Command): boolean {
  const o = optsOf(cmd);
  return o.quiet === true || (o.output !== undefined && o.output !== 'table');
}
