// Terminal output: bordered tables, colours (TTY without NO_COLOR only), timestamps, `--output json`.
import { CliError, EXIT } from '../client/errors.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(raw: string | undefined): OutputFormat {
  if (raw === undefined || raw === 'table') return 'table';
  if (raw === 'json' || raw === 'yaml') return raw;
  throw new CliError(`error: invalid value '${raw}' for '--output <format>' [possible values: table, json, yaml]`, EXIT.AUTH);
}

// ---------------------------------------------------------------------------------------------
// Colours

function colourEnabled(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, stream: NodeJS.WriteStream = process.stdout): string {
  return colourEnabled(stream) ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

const FAILED = new Set(['failed', 'crash_loop_back_off', 'image_pull_back_off', 'create_container_error', 'network_error',
  'config_error', 'file_system_error', 'insufficient_resources', 'error', 'timeout']);

/** A status (deployment or probe) coloured by how healthy it is. */
export function paintStatus(status: string): string {
  if (status === 'running' || status === 'completed' || status === 'success' || status === 'active') return paint(status, 'green');
  if (FAILED.has(status)) return paint(status, 'red');
  if (status === 'deleted') return paint(status, 'gray');
  return paint(status, 'yellow');
}

export function paintLevel(level: string): string {
  if (level === 'error') return paint(level, 'red');
  if (level === 'warning' || level === 'warn') return paint(level, 'yellow');
  return level;
}

// ---------------------------------------------------------------------------------------------
// Tables

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;]*m/g;

function visibleWidth(s: string): number {
  return [...s.replace(ANSI_RE, '')].length;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v).replace(/\r?\n/g, ' ');
}

/** A bordered table: `+---+` rules, `| a | b |` rows. */
export function renderTable(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...cells.map((r) => visibleWidth(r[i]!))));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (r: string[]) => `|${r.map((c, i) => ` ${c}${' '.repeat(widths[i]! - visibleWidth(c))} `).join('|')}|`;
  const out = [rule, line(headers.map((h) => paint(h, 'bold'))), rule];
  for (const r of cells) out.push(line(r));
  if (cells.length > 0) out.push(rule);
  return out.join('\n');
}

export function printTable(headers: string[], rows: unknown[][]): void {
  process.stdout.write(`${renderTable(headers, rows)}\n`);
}

/** `key: value` lines, keys aligned. */
export function renderFields(fields: [string, unknown][]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cellText(v)}`).join('\n');
}

/** Prints the server's body exactly as it came. */
export function printRaw(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function err(line = ''): void {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * Timestamps in UTC to the second: RFC 3339 (`2024-05-01T10:11:12.123Z`) and Ring's
 * `YYYY-MM-DD HH:MM:SS.fffffffff UTC` both become `YYYY-MM-DD HH:MM:SS`; blanks stay blank.
 */
export function formatTime(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  const s = String(v);
  const ring = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?( UTC)?$/.exec(s);
  if (ring) return `${ring[1]} ${ring[2]}`;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return s;
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '');
}

export function formatBytes(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function formatPercent(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(2)}%` : '-';
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
