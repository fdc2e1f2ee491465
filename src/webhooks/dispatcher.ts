// Delivers the outbox (RING.md §7.2 "Queue"): at-least-once, per subscriber, in order per
// deployment, with exponential backoff and a dead letter after MAX_ATTEMPTS.
//
// Woken by every publish in this process (so a delivery starts within milliseconds of the
// transaction that queued it), by a timer set to the next retry, and by a poll on the scheduler
// interval as a safety net. Nothing is held in memory: after a restart (or a kill) the next pass
// picks up every pending delivery from ring.db. A delivery interrupted by shutdown is left exactly
// as it was, so the next server sends it again (at-least-once: a receiver may see it twice).
import { CoalescedPass } from '../shared/coalesced-pass.js';
import { setMaxListeners } from 'node:events';
import type { UrlPolicy } from '../domain/webhooks.js';
import type { Store } from '../store/index.js';
import type { DueDelivery } from '../store/outbox.js';
import { onWebhookQueued } from '../store/index.js';
import { send } from './send.js';
import { SILENT_LOGGER as SILENT, type Logger } from '../log-type.js';

export const MAX_ATTEMPTS = 8;

/** Ring's schedule: after the n-th failed attempt wait min(2^(n−1), 60) minutes. */
export function defaultBackoffMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 60) * 60_000;
}


export interface DispatcherOptions {
  store: Store;
  policy: UrlPolicy;
  /** `ring/<version>`. */
  userAgent: string;
  logger?: Logger;
  /** Safety-net poll (the scheduler interval). */
  pollMs: number;
  /** Delay after the n-th failed attempt of a delivery (tests shorten it). */
  backoffMs?: (attempts: number) => number;
  maxAttempts?: number;
  /** Per request (RING: 10 s). */
  timeoutMs?: number;
  /** Deliveries attempted concurrently per round (RING: 50). */
  batchSize?: number;
  /** One pass yields after this long, so a huge backlog cannot starve the timers (RING: 500 s). */
  passBudgetMs?: number;
  /** How long settled events are kept for GET /webhooks/{id}/events (Ring never prunes, §14). */
  retention?: { deliveredMs: number; deadMs: number };
}


const PRUNE_EVERY_MS = 5 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

export class WebhookDispatcher {
  private readonly store: Store;
  private readonly log: Logger;
  private running = false;
  private readonly passes = new CoalescedPass(
    () => this.drain().catch((err) => {
      this.log.error({ error: err instanceof Error ? err.message : String(err) }, 'webhook delivery pass failed');
    }),
    () => this.running,
    (another) => { if (!another) this.armRetryTimer(); },
  );
  private retryTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private abort = new AbortController();
  private unsubscribe: (() => void) | null = null;
  private lastPrune = 0;

  constructor(private readonly opts: DispatcherOptions) {
    this.store = opts.store;
    this.log = opts.logger ?? SILENT;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    // Every delivery of a round listens on it (up to batchSize at once).
    setMaxListeners(0, this.abort.signal);
    this.unsubscribe = onWebhookQueued(this.store.db, () => this.kick());
    this.pollTimer = setInterval(() => this.kick(), Math.max(50, this.opts.pollMs));
    this.pollTimer.unref();
    this.kick();
  }

  /** Stops at once: requests in flight are cut and their deliveries left pending for the next start. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pollTimer = this.retryTimer = null;
    this.abort.abort();
    await this.passes.current;
  }

  /** Asks for a pass soon; kicks during a pass coalesce into one more. */
  kick(): void {
    this.passes.request();
  }

  private async drain(): Promise<void> {
    const started = Date.now();
    const budget = this.opts.passBudgetMs ?? 500_000;
    const batch = this.opts.batchSize ?? 50;
    while (this.running) {
      const due = this.store.outbox.due(iso(Date.now()), batch);
      if (due.length === 0) break;
      await Promise.all(due.map((d) => this.attempt(d)));
      if (Date.now() - started > budget) {
        this.passes.requestAfterCurrent();
        break;
      }
    }
    this.prune();
  }

  private async attempt(d: DueDelivery): Promise<void> {
    const { store } = this;
    // Revoked (the revoke normally cancels its deliveries; this covers a revoke by other means): send nothing.
    if (store.webhooks.get(d.webhook_id)?.revoked_at) {
      store.tx(() => store.outbox.cancelPending(d.webhook_id, iso(Date.now())));
      return;
    }
    const result = await send(
      { url: d.url, secret: d.secret, kind: d.kind, body: d.payload },
      { userAgent: this.opts.userAgent, timeoutMs: this.opts.timeoutMs ?? 10_000, policy: this.opts.policy, signal: this.abort.signal },
    );
    if (!result.ok && result.aborted) return;
    const now = Date.now();
    const fields = { webhook: d.webhook_id, event: d.event_id, kind: d.kind, attempt: d.attempts + 1 };
    if (result.ok) {
      store.tx(() => store.outbox.markDelivered(d.event_id, d.webhook_id, iso(now)));
      this.log.debug({ ...fields, status: result.status }, 'webhook delivered');
      return;
    }
    const n = d.attempts + 1;
    const dead = n >= (this.opts.maxAttempts ?? MAX_ATTEMPTS);
    const retryAt = dead ? null : iso(now + (this.opts.backoffMs ?? defaultBackoffMs)(n));
    store.tx(() => store.outbox.markFailed(d.event_id, d.webhook_id, { error: result.error, retryAt, now: iso(now) }));
    if (dead) this.log.error({ ...fields, error: result.error }, 'webhook delivery dead-lettered');
    else this.log.warn({ ...fields, error: result.error, retry_at: retryAt }, 'webhook delivery failed; will retry');
  }

  /** Wakes at the next retry, so a backoff of seconds is honoured without waiting for the poll. */
  private armRetryTimer(): void {
    if (!this.running) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let at: string | null;
    try {
      at = this.store.outbox.nextDueAt();
    } catch (err) {
      this.log.error({ error: err instanceof Error ? err.message : String(err) }, 'webhook queue unreadable; relying on the poll');
      return;
    }
    if (!at) return;
    const wait = Math.max(0, Date.parse(at) - Date.now());
    if (wait >= this.opts.pollMs) return; // the poll comes first anyway
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, wait + 1);
    this.retryTimer.unref();
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const keep = this.opts.retention ?? { deliveredMs: 24 * 3_600_000, deadMs: 7 * 24 * 3_600_000 };
    try {
      const n = this.store.outbox.prune({ deliveredBefore: iso(now - keep.deliveredMs), deadBefore: iso(now - keep.deadMs) });
      if (n > 0) this.log.debug({ pruned: n }, 'webhook queue pruned');
    } catch (err) {
      this.log.warn({ error: err instanceof Error ? err.message : String(err) }, 'webhook queue pruning failed');
    }
  }
}
