// Semantic validation of a POST /tokens body (RING.md §3.6). Pure: the known scopes are passed in,
// so this module needs nothing from the API layer. Every violation is accumulated.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { Violation } from './deployment.js';
import { namespaceViolations } from './validate-deployment.js';

export const TOKEN_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
export const TOKEN_NAME_MIN_LENGTH = 2;
export const TOKEN_NAME_MAX_LENGTH = 63;

export interface TokenInput {
  name: string;
  scopes: string[];
  namespaces?: string[];
  expire_at?: string | null;
}

/** The token to store: scopes and namespaces deduplicated, expiry normalised to UTC ISO 8601. */
export interface CheckedToken {
  name: string;
  scopes: string[];
  namespaces: string[];
  expireAt: string | null;
}

const dateTime = fullFormats['date-time'] as { validate: (s: string) => boolean };

/** RFC 3339 date-time (offset required, calendar checked) → ISO 8601 UTC, or null when it is not one. */
export function parseRfc3339(s: string): string | null {
  if (!dateTime.validate(s)) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function validateToken(input: TokenInput, knownScopes: readonly string[]):
  { ok: true; token: CheckedToken } | { ok: false; violations: Violation[] } {
  const violations: Violation[] = [];
  const { name } = input;
  if (name.length < TOKEN_NAME_MIN_LENGTH || name.length > TOKEN_NAME_MAX_LENGTH) {
    violations.push({ property_path: 'name', message: `must be ${TOKEN_NAME_MIN_LENGTH} to ${TOKEN_NAME_MAX_LENGTH} characters long`, code: 'token.name.length' });
  }
  if (!TOKEN_NAME_RE.test(name)) {
    violations.push({ property_path: 'name', message: "must contain only letters, digits, '_', '.' and '-', and start and end with an alphanumeric character", code: 'token.name.format' });
  }
  if (input.scopes.length === 0) {
    violations.push({ property_path: 'scopes', message: `at least one scope is required (known: ${knownScopes.join(', ')})`, code: 'token.scopes.empty' });
  }
  input.scopes.forEach((s, i) => {
    if (!knownScopes.includes(s)) {
      violations.push({ property_path: `scopes[${i}]`, message: `unknown scope '${s}' (known: ${knownScopes.join(', ')})`, code: 'token.scopes.unknown' });
    }
  });
  (input.namespaces ?? []).forEach((ns, i) => violations.push(...namespaceViolations(ns, `namespaces[${i}]`, 'token.namespaces')));
  let expireAt: string | null = null;
  if (input.expire_at !== undefined && input.expire_at !== null) {
    expireAt = parseRfc3339(input.expire_at);
    if (expireAt === null) {
      violations.push({ property_path: 'expire_at', message: `must be an RFC 3339 timestamp (e.g. 2030-01-31T12:00:00Z), got '${input.expire_at}'`, code: 'token.expire_at.format' });
    }
  }
  if (violations.length) return { ok: false, violations };
  return {
    ok: true,
    token: { name, scopes: [...new Set(input.scopes)], namespaces: [...new Set(input.namespaces ?? [])], expireAt },
  };
}
