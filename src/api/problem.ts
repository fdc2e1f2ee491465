// RFC 7807 problems: every error the API answers is one of these, rendered as application/problem+json.
import type { Violation } from '../domain/deployment.js';
import { ConflictError } from '../store/conflict.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Validation failed', 500: 'Internal Server Error', 503: 'Service Unavailable', 507: 'Insufficient Storage',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  violations: Violation[];
  [extra: string]: unknown;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail?: string,
    readonly violations: Violation[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? TITLES[status] ?? `HTTP ${status}`);
    this.name = 'Problem';
  }

  static validation(violations: Violation[]): Problem {
    return new Problem(422, violations.map((v) => `${v.property_path}: ${v.message}`).join('\n'), violations);
  }

  body(): ProblemBody {
    return {
      type: 'about:blank',
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      violations: this.violations,
      ...this.extra,
    };
  }
}

export const notFound = (what: string) => new Problem(404, what);
export const conflict = (what: string, extra?: Record<string, unknown>) => new Problem(409, what, [], extra);
export const forbidden = (what: string) => new Problem(403, what);
export const unauthorized = (what = 'Invalid token') => new Problem(401, what);
export const badRequest = (what: string, violations: Violation[] = []) => new Problem(400, what, violations);

export function problemTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * Runs a store write; a unique constraint it hits (a concurrent request took the name between the
 * handler's "already exists?" check and its write) becomes the handler's own 409 problem.
 */
export function onConflict<T>(write: () => T, problem: (e: ConflictError) => Problem): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof ConflictError) throw problem(e);
    throw e;
  }
}

/** The 409 for a ConflictError no handler translated: still a conflict, never a 500. */
export function conflictProblem(e: ConflictError): Problem {
  const what = e.columns.length ? `${e.table} ${e.columns.join(' and ')}` : e.table;
  return new Problem(409, `conflicts with an existing ${what} (unique constraint)`, [], { table: e.table, columns: e.columns });
}
