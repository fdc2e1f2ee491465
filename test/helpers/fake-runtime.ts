// An in-memory Runtime for unit tests: instances are plain records, crashes are method calls, and
// the event stream is a queue the test can end to exercise re-subscription.
import {
  RuntimeError, type CreatedInstance, type Instance, type InstanceSpec, type InstanceStats, type LogLine,
  type LogOptions, type Runtime, type RuntimeEvent, type RuntimeEventKind,
} from '../../src/runtime/runtime.js';

interface Subscriber { queue: RuntimeEvent[]; notify: (() => void) | null; ended: boolean }

export class FakeRuntime implements Runtime {
  readonly name = 'docker' as const;
  readonly instances = new Map<string, Instance>();
  readonly specs = new Map<string, InstanceSpec>();
  /** Every spec create() accepted, in order. */
  readonly created: InstanceSpec[] = [];
  /** Every id remove() was called with, in order. */
  readonly removed: string[] = [];
  listCalls = 0;
  createCalls = 0;
  /** list() gives back the very objects of the last list for instances unchanged since (false: fresh copies every time). */
  stableObjects = true;
  private listed = new Map<string, Instance>();
  /** Each create() takes the next queued error, if any, and throws it. */
  readonly createFailures: RuntimeError[] = [];
  createDelayMs = 0;
  listDelayMs = 0;
  /** How long remove() takes before the instance is gone (0 = at once). */
  removeDelayMs = 0;
  /** When set, a new instance exits with this code right after it starts (null = keeps running). */
  exitOnStart: ((spec: InstanceSpec) => number | null) | null = null;
  /** Concurrent list() calls seen at once (should stay 1 under the loop). */
  maxConcurrentLists = 0;
  /** list() calls in progress right now. */
  listsInFlight = 0;
  private seq = 0;
  private readonly subscribers = new Set<Subscriber>();
  subscriptions = 0;

  async ping(): Promise<void> {}

  async list(): Promise<Instance[]> {
    this.listCalls++;
    this.listsInFlight++;
    this.maxConcurrentLists = Math.max(this.maxConcurrentLists, this.listsInFlight);
    try {
      if (this.listDelayMs > 0) await delay(this.listDelayMs);
      if (!this.stableObjects) return [...this.instances.values()].map((i) => ({ ...i }));
      // As the Docker lister does (InstanceLister): an instance unchanged since the last list is
      // the same object as then, so the executor's skip of unchanged plans is exercised.
      const out: Instance[] = [];
      const seen = new Map<string, Instance>();
      for (const i of this.instances.values()) {
        const last = this.listed.get(i.id);
        const v = last && sameFields(last, i) ? last : { ...i };
        seen.set(i.id, v);
        out.push(v);
      }
      this.listed = seen;
      return out;
    } finally {
      this.listsInFlight--;
    }
  }

  async create(spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance> {
    this.createCalls++;
    if (this.createDelayMs > 0) await delay(this.createDelayMs, signal);
    if (signal?.aborted) throw new RuntimeError('runtime_error', 'create aborted');
    const failure = this.createFailures.shift();
    if (failure) throw failure;
    const now = Date.now();
    const inst = this.add({ deploymentId: spec.deploymentId, name: `${spec.namespace}_${spec.name}_${hex8(++this.seq)}`, createdAt: now, startedAt: now });
    this.specs.set(inst.id, spec);
    this.output.set(inst.id, this.startupOutput(spec));
    this.created.push(spec);
    const code = this.exitOnStart?.(spec) ?? null;
    if (code !== null) setImmediate(() => this.exit(inst.id, code));
    return { instance: { ...inst }, imageDigest: null };
  }

  async remove(instanceId: string): Promise<void> {
    this.removed.push(instanceId);
    if (this.removeDelayMs > 0) await delay(this.removeDelayMs);
    const inst = this.instances.get(instanceId);
    if (!inst) return;
    if (inst.state === 'running') {
      this.emit('kill', inst, null);
      this.emit('die', inst, 143);
    }
    this.instances.delete(instanceId);
    this.output.delete(instanceId);
  }

  /** Every id stop() was called with, in order. */
  readonly stopped: string[] = [];

  async stop(instanceId: string): Promise<void> {
    this.stopped.push(instanceId);
    const inst = this.instances.get(instanceId);
    if (!inst || inst.state !== 'running') return;
    this.emit('kill', inst, null);
    this.exit(instanceId, 143);
  }

  /** Adds an instance as if something (another server, a crash mid-create) had left it there. */
  add(partial: Partial<Instance> & { deploymentId: string }): Instance {
    const n = ++this.seq;
    const id = partial.id ?? `${hex8(n)}${'0'.repeat(56)}`;
    const now = Date.now();
    const inst: Instance = {
      id, name: partial.name ?? `ns_name_${hex8(n)}`, deploymentId: partial.deploymentId,
      state: partial.state ?? 'running', exitCode: partial.exitCode ?? null, oomKilled: partial.oomKilled ?? false,
      createdAt: partial.createdAt ?? now, startedAt: partial.startedAt === undefined ? now : partial.startedAt,
      finishedAt: partial.finishedAt ?? null, address: partial.address ?? `10.0.0.${n % 250}`,
    };
    this.instances.set(id, inst);
    return inst;
  }

  /** The instance stops by itself with this exit code (a crash, or a job finishing). */
  exit(instanceId: string, exitCode: number, opts: { oom?: boolean } = {}): void {
    const inst = this.instances.get(instanceId);
    if (!inst || inst.state !== 'running') return;
    inst.state = 'exited';
    inst.exitCode = exitCode;
    inst.oomKilled = opts.oom ?? false;
    inst.finishedAt = Date.now();
    if (opts.oom) this.emit('oom', inst, null);
    this.emit('die', inst, exitCode);
  }

  /**
   * Docker's order on a loaded host: the `die` event first, the list still showing the instance
   * running for a while. Returns the catch-up (the list then shows it exited).
   */
  dieBeforeList(instanceId: string, exitCode: number): () => void {
    const inst = this.instances.get(instanceId);
    if (!inst || inst.state !== 'running') return () => {};
    this.emit('die', inst, exitCode);
    return () => {
      const now = this.instances.get(instanceId);
      if (now?.state !== 'running') return;
      now.state = 'exited';
      now.exitCode = exitCode;
      now.finishedAt = Date.now();
    };
  }

  /** `docker kill`: SIGKILL, exit 137. */
  kill(instanceId: string): void {
    const inst = this.instances.get(instanceId);
    if (inst) this.emit('kill', inst, null);
    this.exit(instanceId, 137);
  }

  /** Instances of one deployment, optionally only those in a state. */
  of(deploymentId: string, state?: Instance['state']): Instance[] {
    return [...this.instances.values()].filter((i) => i.deploymentId === deploymentId && (!state || i.state === state));
  }

  /** What exec() answers for a live instance (default: success, no output). */
  execHandler: (argv: string[], spec: InstanceSpec | undefined) => { exitCode: number; output: string } = () => ({ exitCode: 0, output: '' });
  /** Console lines an instance has written, by instance id (create() seeds them from `startupOutput`). */
  readonly output = new Map<string, string[]>();
  startupOutput: (spec: InstanceSpec) => string[] = () => [];

  async exec(instanceId: string, argv: string[]): Promise<{ exitCode: number; output: string }> {
    // As the real runtimes: exec needs a running instance.
    const inst = this.instances.get(instanceId);
    if (!inst || inst.state !== 'running') throw new RuntimeError('runtime_error', `no running instance ${instanceId}`);
    return this.execHandler(argv, this.specs.get(instanceId));
  }

  async *logs(instanceId: string, opts: LogOptions): AsyncIterable<LogLine> {
    const lines = this.output.get(instanceId) ?? [];
    const picked = opts.tail !== undefined ? (opts.tail === 0 ? [] : lines.slice(-opts.tail)) : lines;
    for (const message of picked) yield { instance: this.instances.get(instanceId)?.name ?? instanceId, message, level: 'info', timestamp: null };
  }

  async stats(instanceId: string): Promise<InstanceStats> {
    if (!this.instances.has(instanceId)) throw new RuntimeError('runtime_error', `no such instance ${instanceId}`);
    return {
      instanceId, instanceName: this.instances.get(instanceId)?.name ?? '', cpuPercent: 0,
      memory: { usageBytes: 0, limitBytes: 0, usagePercent: 0 },
      network: { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 },
      diskIo: { readBytes: 0, writeBytes: 0 }, pids: { current: 1, limit: null }, restartCount: 0,
    };
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const sub: Subscriber = { queue: [], notify: null, ended: false };
    this.subscribers.add(sub);
    this.subscriptions++;
    const onAbort = (): void => { sub.ended = true; sub.notify?.(); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (sub.queue.length > 0) yield sub.queue.shift()!;
        if (sub.ended || signal.aborted) return;
        await new Promise<void>((r) => { sub.notify = r; });
        sub.notify = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.subscribers.delete(sub);
    }
  }

  /** Ends every open event stream, as a daemon restart would. */
  endEventStreams(): void {
    for (const s of this.subscribers) {
      s.ended = true;
      s.notify?.();
    }
  }

  private emit(kind: RuntimeEventKind, inst: Instance, exitCode: number | null): void {
    const ev: RuntimeEvent = { kind, instanceId: inst.id, deploymentId: inst.deploymentId, exitCode, at: Date.now() };
    for (const s of this.subscribers) {
      s.queue.push(ev);
      s.notify?.();
    }
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

function sameFields(a: Instance, b: Instance): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if ((a as unknown as Record<string, unknown>)[k] !== (b as unknown as Record<string, unknown>)[k]) return false;
  return true;
}
