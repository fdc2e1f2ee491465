// The change feed behind GET /deployments/events: one shared watcher per server that notices what changed
// in deployments (status, replicas, instances, restart count, parent, purge) and in their events, and
// fans the changes out to every open stream. It looks only while someone listens: each look is one
// SQLite read of the deployment rows, the events after a cursor, and the (shared, cached) instance list
// the list endpoint uses, so N watching clients cost what one does.
import type { Store } from '../store/index.js';
import type { Instance } from '../runtime/runtime.js';
import type { DeploymentEventRow } from '../store/events.js';
import { deploymentView } from './deployment-view.js';
import { SILENT_LOGGER, type Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';

export type DeploymentView = ReturnType<typeof deploymentView>;

export type FeedChange =
  | { type: 'deployment'; deployment: DeploymentView }
  | { type: 'removed'; id: string; namespace: string; name: string }
  | { type: 'event'; namespace: string; event: DeploymentEventRow };

export interface FeedSource {
  store: Store;
  instancesOf(deploymentId: string): Promise<Instance[]>;
  /** For the view's readiness.deadline_at. */
  config?: { rolloutDeadlineMs?: number };
  /** A look that failed (the database busy or closed) is said here; the next one tries again. */
  log?: Logger;
}

/** How often the feed looks while anyone listens. */
export const FEED_INTERVAL_MS = 300;

type Listener = (changes: FeedChange[]) => void;

export class DeploymentFeed {
  private views = new Map<string, { view: DeploymentView; text: string }>();
  private eventSeq = 0;
  private listeners = new Map<Listener, () => void>();
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private closed = false;

  constructor(private source: FeedSource, private intervalMs = FEED_INTERVAL_MS) {}

  /** Brings the snapshot up to date (notifying listeners of what changed) and returns it. */
  async current(): Promise<DeploymentView[]> {
    await this.look();
    return [...this.views.values()].map((v) => v.view);
  }

  /**
   * Listens for changes; the returned function stops listening (the feed stops looking after the
   * last one). `onClose` is called once if the feed closes first (the server stops): the listener's
   * stream ends then. A closed feed calls it at once.
   */
  subscribe(fn: Listener, onClose: () => void = () => {}): () => void {
    if (this.closed) {
      onClose();
      return () => {};
    }
    this.listeners.set(fn, onClose);
    this.timer ??= setInterval(() => void this.look(), this.intervalMs);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stopLooking();
    };
  }

  /**
   * The server stops: no more looks, every listener told (their streams end, so the API's drain
   * need not wait out its timeout), and resolves once the look in flight, if any, has ended — the
   * database may close after that, never under a look.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopLooking();
    const ends = [...this.listeners.values()];
    this.listeners.clear();
    for (const end of ends) end();
    await this.inflight;
  }

  private stopLooking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at a time: a slow instance list never stacks looks up. It never rejects: a failed look is logged. */
  private look(): Promise<void> {
    this.inflight ??= this.diff()
      .catch((err: unknown) => { if (!this.closed) (this.source.log ?? SILENT_LOGGER).warn({ error: errorText(err) }, 'deployment change feed: a look failed'); })
      .finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async diff(): Promise<void> {
    if (this.closed) return;
    // Nobody listened since the last look: older events are history (GET …/events), not news.
    const idle = this.listeners.size === 0;
    if (idle) this.eventSeq = this.source.store.events.lastSeq();
    const rows = this.source.store.deployments.list();
    const views = await Promise.all(rows.map(async (d) => deploymentView(d, await this.source.instancesOf(d.id), { rolloutDeadlineMs: this.source.config?.rolloutDeadlineMs })));
    if (this.closed) return; // the server stopped while the instances were listed: ring.db may be closing
    const changes: FeedChange[] = [];
    const seen = new Set<string>();
    for (const view of views) {
      seen.add(view.id);
      const text = JSON.stringify(view);
      if (this.views.get(view.id)?.text !== text) {
        this.views.set(view.id, { view, text });
        changes.push({ type: 'deployment', deployment: view });
      }
    }
    for (const [id, { view }] of this.views) {
      if (seen.has(id)) continue;
      this.views.delete(id);
      changes.push({ type: 'removed', id, namespace: view.namespace, name: view.name });
    }
    const namespaceOf = new Map(rows.map((d) => [d.id, d.namespace]));
    for (const e of this.source.store.events.after(this.eventSeq)) {
      this.eventSeq = e.seq;
      const { seq: _seq, ...event } = e;
      const namespace = namespaceOf.get(e.deployment_id);
      if (namespace !== undefined) changes.push({ type: 'event', namespace, event });
    }
    if (idle || changes.length === 0) return;
    for (const fn of this.listeners.keys()) fn(changes);
  }
}

const feeds = new WeakMap<Store, DeploymentFeed>();

/** The feed of one server (keyed by its store). */
export function feedFor(source: FeedSource): DeploymentFeed {
  let feed = feeds.get(source.store);
  if (!feed) {
    feed = new DeploymentFeed(source);
    feeds.set(source.store, feed);
  }
  return feed;
}

/**
 * At shutdown, before ring.db closes: ends the feed's streams and waits for its look in flight.
 * A server nobody watched has no feed; one is made closed, so a watch that arrives during the
 * stop gets its snapshot and an ended stream.
 */
export async function closeFeed(source: FeedSource): Promise<void> {
  await feedFor(source).close();
}
