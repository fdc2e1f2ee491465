// Container `start` events of the bench's daemon, timestamped as they arrive: the moment a
// container is up, taken the same way for ring, `docker run -d`, Docker's restart policy and Swarm,
// without polling (a polling loop competes with what it measures for the machine's 2 cores).
import type Docker from 'dockerode';

export interface StartEvent {
  id: string;
  /** Container labels and attributes (Actor.Attributes). */
  attrs: Record<string, string>;
  /** performance.now() when the event reached the bench. */
  at: number;
}

export class StartEvents {
  private readonly seen: StartEvent[] = [];
  private waiters: { match: (e: StartEvent) => boolean; resolve: (e: StartEvent) => void }[] = [];

  private constructor(private readonly stream: NodeJS.ReadableStream & { destroy(): void }) {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          const ev = JSON.parse(line) as { id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
          this.push({ id: ev.Actor?.ID ?? ev.id ?? '', attrs: ev.Actor?.Attributes ?? {}, at });
        } catch { /* a partial line cannot happen after the split; ignore anything else */ }
      }
    });
  }

  static async open(docker: Docker): Promise<StartEvents> {
    const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['start'] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    return new StartEvents(stream);
  }

  private push(e: StartEvent): void {
    this.seen.push(e);
    if (this.seen.length > 10_000) this.seen.splice(0, 5_000);
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.match(e) ? w.resolve(e) : still.push(w));
    this.waiters = still;
  }

  /** The first start at or after `since` (performance.now()) that matches; waits up to timeoutMs. */
  next(match: (e: StartEvent) => boolean, since: number, what: string, timeoutMs = 60_000): Promise<StartEvent> {
    const old = this.seen.find((e) => e.at >= since && match(e));
    if (old) return Promise.resolve(old);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the start of ${what}`));
      }, timeoutMs);
      const waiter = { match: (e: StartEvent) => e.at >= since && match(e), resolve: (e: StartEvent) => { clearTimeout(timer); resolve(e); } };
      this.waiters.push(waiter);
    });
  }

  /** Starts of containers carrying label=value since `since`. */
  count(label: string, value: string, since: number): number {
    return this.seen.filter((e) => e.at >= since && e.attrs[label] === value).length;
  }

  /** The distinct containers that started since `since` and match, and when the last of them arrived. */
  distinct(match: (e: StartEvent) => boolean, since: number): { count: number; lastAt: number } {
    const ids = new Set<string>();
    let lastAt = 0;
    for (const e of this.seen) {
      if (e.at < since || !match(e) || ids.has(e.id)) continue;
      ids.add(e.id);
      lastAt = e.at;
    }
    return { count: ids.size, lastAt };
  }

  close(): void {
    this.stream.destroy();
  }
}

export const withLabel = (label: string, value: string) => (e: StartEvent) => e.attrs[label] === value;
