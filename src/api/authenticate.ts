// Resolves the bearer token of a request to a caller, and checks the route's scope. Deny by default.
import type { Request } from '@hapi/hapi';
import type { Store } from '../store/index.js';
import type { TokenRow } from '../store/tokens.js';
import { hashToken, hasScope } from './tokens.js';
import { Problem, unauthorized } from './problem.js';
import type { Caller } from './context.js';
import { ticketsOf } from './stream-tickets.js';

const TOUCH_EVERY_MS = 60_000;

export function authenticate(store: Store, request: Request, scope: string, operationId?: string): Caller | null {
  if (scope === 'public') return null;
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    const ticket = (request.query as Record<string, unknown>).ticket;
    // A stream ticket stands in for the bearer token on one route only, for one deployment only.
    if (operationId === 'getDeploymentLogs' && typeof ticket === 'string' && ticket !== '') {
      const tokenId = ticketsOf(store).redeem(ticket, `deployment:logs:${request.params.id}`);
      const token = tokenId ? store.tokens.get(tokenId) : undefined;
      if (!token) throw unauthorized('Invalid or expired stream ticket');
      return callerOfToken(store, token, scope);
    }
    throw unauthorized('Missing bearer token: send Authorization: Bearer <token> (ring login)');
  }
  const token = store.tokens.byHash(hashToken(match[1]));
  if (!token) throw unauthorized();
  return callerOfToken(store, token, scope);
}

function callerOfToken(store: Store, token: TokenRow, scope: string): Caller {
  if (token.revoked_at) throw unauthorized();
  if (token.expire_at && Date.parse(token.expire_at) <= Date.now()) throw unauthorized('Token expired');
  const user = store.users.get(token.user_id);
  if (!user || user.status !== 'active') throw unauthorized();
  const now = Date.now();
  if (!token.last_used_at || now - Date.parse(token.last_used_at) > TOUCH_EVERY_MS) {
    store.tokens.touch(token.id, new Date(now).toISOString());
  }
  const caller: Caller = { user, token, scopes: token.scopes, namespaces: token.namespaces };
  if (scope !== 'authenticated' && !hasScope(caller.scopes, scope)) {
    throw new Problem(403, `token lacks required scope '${scope}'`);
  }
  return caller;
}

/** A token restricted to some namespaces may act only inside them. */
export function assertNamespace(caller: Caller | null, namespace: string): void {
  if (caller && caller.namespaces.length > 0 && !caller.namespaces.includes(namespace)) {
    throw new Problem(403, `token is not scoped to namespace '${namespace}'`);
  }
}

export function namespaceVisible(caller: Caller | null, namespace: string): boolean {
  return !caller || caller.namespaces.length === 0 || caller.namespaces.includes(namespace);
}

/**
 * Users and tokens live outside every namespace: a token confined to some namespaces must not change
 * them, or it could mint itself a way out (a new admin, a password to log in with).
 */
export function assertUnconfined(caller: Caller | null, action: string): void {
  if (caller && caller.namespaces.length > 0) {
    throw new Problem(403, `token is scoped to namespaces (${caller.namespaces.join(', ')}) and cannot ${action}`);
  }
}
