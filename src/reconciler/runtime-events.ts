// The runtime event streams (docker events): deaths are recorded as they happen and wake the loop
// at once, instead of waiting for the tick. Streams that end are re-subscribed (events may have
// been missed meanwhile, so the loop looks at everything again).
//
// A `die` is also believed before the list agrees: Docker emits it, then releases the container's
// network and mounts, and only then shows it exited in its list — 100–200 ms later on a loaded
// host, during which every pass would still see it running. Ring's containers have no restart
// policy, so a container Docker reported dead stays dead (unless something starts it again, which
// its `start` event says): the pass sees it ended, with the event's exit code, at once.
import { COMPONENT, EVENT_REASON, noted, shortId, type DeploymentChange } from '../domain/changes.js';
import type { Deployment } from '../domain/deployment.js';
import type { Instance, Runtime, RuntimeEvent } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { sleep } from '../shared/sleep.js';
import { writeDeployment } from './write.js';

/** How long a reported death overrides a list that still shows the instance alive. */
const DYING_MAX_MS = 2000;

/** What the event stream said about one instance, until a list agrees. */
export interface ReportedDeath {
  /** A `die` arrived (an `oom` alone does not end a container). */
  died: boolean;
  exitCode: number | null;
  oom: boolean;
  /** When it died (the event's time). */
  at: number;
}

const ALIVE = new Set(['running', 'restarting']);

/** Pure: the listed instances, with those an event reported dead shown ended (exit code and time from the event). */
export function withReportedDeaths(instances: readonly Instance[], deaths: ReadonlyMap<string, ReportedDeath>): Instance[] {
  return instances.map((i) => {
    const d = deaths.get(i.id);
    if (!d?.died || !ALIVE.has(i.state)) return i;
    return { ...i, state: 'exited', exitCode: d.exitCode, oomKilled: i.oomKilled || d.oom, finishedAt: d.at };
  });
}

export interface RuntimeEventDeps {
  store: Store;
  runtimes: Map<string, Runtime>;
  logger: Logger;
  clock: () => number;
  /** Asks the loop for a pass (every deployment, or for this one). */
  wake: (deploymentId?: string) => void;
  /** Instances removed or stopped on purpose: their death is ours, not news. */
  isSettled: (instanceId: string) => boolean;
  /** Delay before re-subscribing to a stream that ended. */
  resubscribeMs: number;
}

export class RuntimeEventWatcher {
  private abort: AbortController | null = null;
  /** Instances a die/oom event reported, until a list() shows them ended or gone (or 2 s pass). */
  private readonly dying = new Map<string, ReportedDeath & { until: number }>();

  constructor(private readonly deps: RuntimeEventDeps) {}

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    for (const [name, rt] of this.deps.runtimes) {
      if (rt.events) void this.watch(name, rt, this.abort.signal);
    }
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.dying.clear();
  }

  /**
   * Called with every pass's observation; returns it with the deaths the list does not show yet
   * (withReportedDeaths). A death is forgotten once the list shows it ended or gone, or after 2 s.
   */
  observed(observed: Map<string, Instance[]>): Map<string, Instance[]> {
    if (this.dying.size === 0) return observed;
    const now = this.deps.clock();
    const byId = new Map<string, Instance>();
    for (const list of observed.values()) for (const i of list) byId.set(i.id, i);
    for (const [id, d] of this.dying) {
      const i = byId.get(id);
      if (!i || !ALIVE.has(i.state) || now > d.until) this.dying.delete(id);
    }
    if (this.dying.size === 0) return observed;
    return new Map([...observed].map(([name, list]) => [name, withReportedDeaths(list, this.dying)]));
  }

  private async watch(name: string, rt: Runtime, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of rt.events!(signal)) {
          if (signal.aborted) return; // stopped: an event still buffered records nothing
          this.onEvent(ev);
        }
      } catch (err) {
        this.deps.logger.warn({ runtime: name, error: errorText(err) }, 'runtime event stream failed');
      }
      if (signal.aborted) return;
      this.deps.logger.warn({ runtime: name }, 'runtime event stream ended; re-subscribing');
      await sleep(this.deps.resubscribeMs, signal).promise;
      // Events may have been missed while disconnected: look at everything again.
      this.deps.wake();
    }
  }

  private onEvent(ev: RuntimeEvent): void {
    // Started again (by an operator): whatever died is alive now.
    if (ev.kind === 'start') this.dying.delete(ev.instanceId);
    if (ev.kind === 'start' || !ev.deploymentId) return;
    if (this.deps.isSettled(ev.instanceId)) return; // our own removal or stop
    const d = this.deps.store.deployments.get(ev.deploymentId);
    if (!d || d.status === 'deleted') return; // not one of ours (another server's, or purged)
    const change = deathChange(ev, d);
    if (change) {
      try {
        writeDeployment(this.deps.store, d.id, { changes: [change] }, { logger: this.deps.logger });
      } catch (err) {
        this.deps.logger.warn({ deployment: d.id, error: errorText(err) }, 'failed to record runtime event');
      }
    }
    if (ev.kind === 'die' || ev.kind === 'oom') {
      const prev = this.dying.get(ev.instanceId);
      this.dying.set(ev.instanceId, {
        died: ev.kind === 'die' || (prev?.died ?? false),
        exitCode: ev.kind === 'die' ? ev.exitCode : prev?.exitCode ?? null,
        oom: ev.kind === 'oom' || (prev?.oom ?? false),
        at: ev.kind === 'die' ? ev.at : prev?.at ?? ev.at,
        until: this.deps.clock() + DYING_MAX_MS,
      });
      this.deps.wake(d.id);
    }
  }
}

/** What a runtime event records on its deployment (pure); null = nothing. */
export function deathChange(ev: Pick<RuntimeEvent, 'kind' | 'instanceId' | 'exitCode'>, d: Pick<Deployment, 'kind'>): DeploymentChange | null {
  const id = shortId(ev.instanceId);
  switch (ev.kind) {
    case 'die':
      // A job's clean exit is its success, not a death.
      if (d.kind === 'job' && ev.exitCode === 0) return null;
      return noted('warning', COMPONENT.dockerEvents, EVENT_REASON.containerDied,
        `Container ${id} died${ev.exitCode === null ? '' : ` (exit code ${ev.exitCode})`}`);
    case 'oom':
      return noted('warning', COMPONENT.dockerEvents, EVENT_REASON.containerOom, `Container ${id} ran out of memory`);
    case 'kill':
      return noted('info', COMPONENT.dockerEvents, EVENT_REASON.containerKilled, `Container ${id} was sent a kill signal`);
    default:
      return null;
  }
}
