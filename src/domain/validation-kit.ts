// Small pure helpers shared by the validators of src/domain: violation building, type guards over
// untrusted JSON, and the unknown-field and size-limit checks every section applies.
import type { Violation } from './deployment.js';

export function v(property_path: string, message: string, code: string): Violation {
  return { property_path, message, code };
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function includes<T extends string>(list: readonly T[], x: unknown): x is T {
  return typeof x === 'string' && (list as readonly string[]).includes(x);
}

/** A string with something other than whitespace in it. */
export function nonBlank(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

export function isPort(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
}

export function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** A value for a message: strings quoted, long ones cut so a 1 MB string never lands in a response. */
export function show(x: unknown): string {
  let s: string;
  try {
    s = typeof x === 'string' ? `'${x}'` : JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** Joins a path and a key the way violations write them (`a.b`, `a["odd key"]` never needed: keys are shown as given). */
export function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * One violation per key of `obj` that the API does not know: a field that would be stored and then
 * ignored is refused instead (code `<prefix>.unknown_field`).
 */
export function unknownFields(obj: Record<string, unknown>, known: readonly string[], path: string, prefix: string): Violation[] {
  const out: Violation[] = [];
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      out.push(v(at(path, key), `unknown field ${show(key)} (known: ${known.join(', ')})`, `${prefix}.unknown_field`));
    }
  }
  return out;
}

/** A string longer than `max` characters (code `<code>`), or none. */
export function tooLong(x: unknown, max: number, path: string, code: string): Violation[] {
  return typeof x === 'string' && x.length > max
    ? [v(path, `must be at most ${max} characters long, got ${x.length}`, code)]
    : [];
}

/** A list or map with more than `max` entries, or none. */
export function tooMany(count: number, max: number, what: string, path: string, code: string): Violation[] {
  return count > max ? [v(path, `at most ${max} ${what} are allowed, got ${count}`, code)] : [];
}

/** NUL bytes end strings in the kernel, Docker and SQLite's C side: never a legal part of a name or path. */
export function hasNul(x: unknown): boolean {
  return typeof x === 'string' && x.includes('\u0000');
}
