// The runtime event streams (docker events): deaths are recorded as they happen and wake the loop
// at once, instead of waiting for the tick. Streams that end are re-subscribed (events may have
// been missed meanwhile, so the loop looks at everything again).
import { COMPONENT, EVENT_REASON, noted, shortId, type DeploymentChange } from '../domain/changes.js';
import type { Deployment } from '../domain/deployment.js';
import type { Instance, Runtime, RuntimeEvent } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { sleep } from '../shared/sleep.js';
import { writeDeployment } from './write.js';

const DYING_RECHECK_MS = 20;
const DYING_RECHECK_MAX_MS = 2000;

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
  /**
   * Instances a die/oom event reported, until a list() shows them ended (or 2 s pass): the daemon
   * emits `die` a few milliseconds before its list reports the container exited, so a pass that
   * still sees it running re-checks shortly instead of waiting for the tick.
   */
  private readonly dying = new Map<string, number>();
  private recheck: NodeJS.Timeout | null = null;

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
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
    this.dying.clear();
  }

  /** Called with every pass's observation: a death the list does not show yet is re-checked shortly. */
  observed(observed: Map<string, Instance[]>): void {
    if (this.dying.size === 0) return;
    const now = this.deps.clock();
    const byId = new Map<string, Instance>();
    for (const list of observed.values()) for (const i of list) byId.set(i.id, i);
    let alive = false;
    for (const [id, until] of this.dying) {
      const i = byId.get(id);
      if (!i || i.state === 'exited' || i.state === 'dead' || now > until) this.dying.delete(id);
      else alive = true;
    }
    if (alive && !this.recheck && this.abort) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        this.deps.wake();
      }, DYING_RECHECK_MS);
      this.recheck.unref();
    }
  }

  private async watch(name: string, rt: Runtime, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of rt.events!(signal)) this.onEvent(ev);
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
      this.dying.set(ev.instanceId, this.deps.clock() + DYING_RECHECK_MAX_MS);
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
