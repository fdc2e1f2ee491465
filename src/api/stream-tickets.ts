// Stream tickets (RING §3.3): a browser EventSource cannot send an Authorization header, so an admin
// token trades itself for a ticket that opens exactly one deployment's log stream for 30 s. Tickets
// are kept in memory (a restart voids them, as Ring), are reusable within their lifetime (Ring's
// choice, RING §15), and carry the token that asked for them: revoking it voids its tickets too.
import { randomInt } from 'node:crypto';
import type { Store } from '../store/index.js';
import { callerOf, json, type Handler } from './context.js';
import { Problem, badRequest, notFound } from './problem.js';
import { assertNamespace } from './authenticate.js';

export const TICKET_TTL_S = 30;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SCOPE = /^deployment:logs:(.+)$/;

interface Ticket { scope: string; tokenId: string; expiresAt: number }

export class StreamTickets {
  private readonly tickets = new Map<string, Ticket>();
  constructor(private readonly now: () => number = Date.now) {}

  issue(scope: string, tokenId: string): string {
    this.sweep();
    let t = 'tk_stream_';
    for (let i = 0; i < 48; i++) t += ALPHABET[randomInt(ALPHABET.length)];
    this.tickets.set(t, { scope, tokenId, expiresAt: this.now() + TICKET_TTL_S * 1000 });
    return t;
  }

  /** The token id behind a live ticket for exactly this scope, else undefined. */
  redeem(ticket: string, scope: string): string | undefined {
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tickets.delete(ticket);
      return undefined;
    }
    return t.scope === scope ? t.tokenId : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
  }
}

// One book of tickets per store, i.e. per running server (several run side by side in tests).
const books = new WeakMap<Store, StreamTickets>();
export function ticketsOf(store: Store): StreamTickets {
  let b = books.get(store);
  if (!b) books.set(store, (b = new StreamTickets()));
  return b;
}

export const createStreamTicket: Handler<'createStreamTicket'> = (ctx) => {
  const caller = callerOf(ctx);
  const scope = ctx.body.scope.trim();
  if (scope === '') throw badRequest('scope is required', [{ property_path: 'scope', message: 'scope is required', code: 'stream_ticket.scope.required' }]);
  const m = SCOPE.exec(scope);
  if (!m) {
    throw Problem.validation([{ property_path: 'scope', message: "must be 'deployment:logs:<deployment id>'", code: 'stream_ticket.scope.unsupported' }]);
  }
  const d = ctx.services.store.deployments.get(m[1]);
  if (!d) throw notFound(`deployment '${m[1]}' not found`);
  assertNamespace(caller, d.namespace);
  return json(200, { ticket: ticketsOf(ctx.services.store).issue(scope, caller.token.id), expires_in: TICKET_TTL_S });
};
