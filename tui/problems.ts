// Why the TUI cannot show data, as one line a person can act on. Source errors carry a kind so the
// App can tell "server away: keep retrying" from "token lacks a scope: say which". Pure.

export type ProblemKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'not_found' | 'other';

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(readonly kind: ProblemKind, message: string, readonly status?: number) {
    super(message);
  }
}

/** The scope named in a 403 (`token lacks required scope 'deployments:read'`), if any. */
export function missingScope(reason: string | undefined): string | undefined {
  return reason ? /scope '([^']+)'/.exec(reason)?.[1] : undefined;
}

/** Classifies an HTTP failure of `action` (e.g. `list deployments`). */
export function httpProblem(action: string, status: number, reason: string | undefined): SourceError {
  if (status === 401) return new SourceError('unauthorized', `Not logged in or the token expired (401) — cannot ${action}; run \`ring login\` or set RING_TOKEN`, status);
  if (status === 403) {
    const scope = missingScope(reason);
    return new SourceError('forbidden', scope
      ? `The token lacks the '${scope}' scope — cannot ${action}`
      : `Not allowed to ${action} (403)${reason ? `: ${reason}` : ''}`, status);
  }
  if (status === 404) return new SourceError('not_found', `Cannot ${action}: not found${reason ? ` (${reason})` : ''}`, status);
  return new SourceError('other', `Cannot ${action}: the server answered ${status}${reason ? ` (${reason})` : ''}`, status);
}

/** The banner for a failed refresh; `retryInMs` when the App will try again by itself. */
export function bannerText(e: unknown, serverUrl: string, retryInMs?: number): string {
  const retry = retryInMs === undefined ? '' : ` — retrying in ${Math.max(1, Math.round(retryInMs / 1000))}s`;
  if (e instanceof SourceError) {
    if (e.kind === 'unreachable') return `Server unreachable at ${serverUrl} (${e.message})${retry}`;
    return `${e.message}${e.kind === 'forbidden' || e.kind === 'unauthorized' ? '' : retry}`;
  }
  return `${e instanceof Error ? e.message : String(e)}${retry}`;
}

/** Next retry delay while the server is away: 1 s doubling to 15 s. */
export function retryDelayMs(failures: number, baseMs: number): number {
  return Math.min(15_000, Math.max(baseMs, 1000) * 2 ** Math.max(0, Math.min(failures - 1, 4)));
}
