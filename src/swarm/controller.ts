// The Swarm backend's loop: rows of `runtime: swarm` deployments + the manager's services and
// tasks → planSwarm() → Engine calls and state writes. One pass at a time; a pass every second
// while something is in flux (Swarm owns the rollout; ring only reads it back and times it), else
// every scheduler interval. Engine failures become an `error` status with the cause, never a hang.
import type { Deployment } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import type { Logger } from '../logger.js';
import type { NewEvent } from '../store/events.js';
import { SwarmEngine, type RegistryAuth } from './engine.js';
import { toolsNeeded } from './healthcheck.js';
import { planSwarm, type SwarmAction, type SwarmRow } from './plan.js';
import { configRefKey, serviceSpec, swarmProblems, type SwarmRefs } from './spec.js';

export const SWARM_COMPONENT = 'swarm';

/** What the controller needs of the store; the server wires it to the one write path. */
export interface SwarmState {
  /** Every stored row of runtime `swarm` (deleted ones too, until purged). */
  rows(): Deployment[];
  /** Status / restart count and the events they cause, in one transaction. */
  record(id: string, change: { status?: Status; restartCount?: number; events: NewEvent[] }): void;
  purge(id: string): void;
  resolveSecret(namespace: string, name: string): string | undefined;
  resolveConfig(namespace: string, name: string): Record<string, string> | undefined;
}

export interface SwarmControllerOptions {
  engine: SwarmEngine;
  state: SwarmState;
  logger: Logger;
  intervalMs: number;
  rolloutDeadlineMs: number;
  endpointMode: 'auto' | 'vip' | 'dnsrr';
  clock?: () => number;
}

const FLUX: readonly Status[] = ['pending', 'creating', 'deleted'];

export class SwarmController {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private passing: Promise<void> | undefined;
  private again = false;
  /** The last error event per row, so a manager that stays down is said once, not every second. */
  private readonly lastError = new Map<string, string>();
  private readonly clock: () => number;

  constructor(private readonly o: SwarmControllerOptions) {
    this.clock = o.clock ?? Date.now;
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.passing;
  }

  /** Coalesced: a wake during a pass runs one more pass right after it. */
  wake(): void {
    if (!this.running) return;
    if (this.passing) { this.again = true; return; }
    if (this.timer) clearTimeout(this.timer);
    this.passing = this.pass().finally(() => {
      this.passing = undefined;
      if (!this.running) return;
      if (this.again) { this.again = false; this.wake(); return; }
      this.timer = setTimeout(() => this.wake(), this.inFlux ? 1000 : this.o.intervalMs);
      this.timer.unref?.();
    });
  }

  private inFlux = false;

  /** One pass; exported for tests that step the controller by hand. */
  async pass(): Promise<void> {
    const rows = this.o.state.rows();
    const { engine } = this.o;
    let services: Awaited<ReturnType<SwarmEngine['listServices']>>;
    let tasks: Awaited<ReturnType<SwarmEngine['tasks']>>;
    try {
      if (rows.length === 0 && !(await engine.listServices()).length) { this.inFlux = false; return; }
      services = await engine.listServices();
      tasks = await engine.tasks();
    } catch (e) {
      this.inFlux = true;
      for (const r of rows) if (!isTerminal(r.status) && r.status !== 'deleted') this.error(r, 'swarm_unreachable', `Swarm manager unreachable: ${text(e)}`);
      return;
    }
    const observed = services.map((s) => SwarmEngine.observe(s as never));
    const byName = new Map<string, Deployment[]>();
    for (const r of rows) {
      const k = `${r.namespace}/${r.name}`;
      byName.set(k, [...(byName.get(k) ?? []), r]);
    }
    const known = new Set(rows.map((r) => r.id));
    // Services ring labelled whose rows are all gone: nothing will ever remove them but us. Only
    // ours: one without a server id may belong to another ring server on this swarm.
    for (const [i, s] of observed.entries()) {
      const k = `${s.namespace}/${s.name}`;
      const ours = engine.serverId === undefined || engine.ownership(services[i] as never) === 'own';
      if (ours && !byName.has(k) && s.deploymentId && !known.has(s.deploymentId)) {
        await engine.removeService(s.id).catch((e) => this.o.logger.warn({ service: s.id, error: text(e) }, 'could not remove an orphaned swarm service'));
      }
    }
    this.inFlux = rows.some((r) => FLUX.includes(r.status)) || observed.some((s) => s.updateState === 'updating' || s.updateState === 'rollback_started');
    for (const [k, group] of byName) {
      const svc = observed.find((s) => `${s.namespace}/${s.name}` === k);
      const actions = planSwarm({
        rows: group.map(toRow),
        service: svc,
        tasks: svc ? tasks.filter((t) => t.serviceId === svc.id) : [],
        now: this.clock(),
        rolloutDeadlineMs: this.o.rolloutDeadlineMs,
      });
      for (const a of actions) {
        try {
          await this.apply(a, group);
        } catch (e) {
          const row = group.find((r) => r.id === ('deploymentId' in a ? a.deploymentId : group[group.length - 1]!.id));
          if (row) this.error(row, 'swarm_error', `Swarm ${a.type} failed: ${text(e)}`);
          this.o.logger.warn({ action: a.type, error: text(e) }, 'swarm action failed');
        }
      }
    }
    await engine.pruneFiles().catch(() => undefined);
  }

  private async apply(a: SwarmAction, group: Deployment[]): Promise<void> {
    const { engine, state } = this.o;
    const row = (id: string) => group.find((r) => r.id === id)!;
    switch (a.type) {
      case 'create':
      case 'update': {
        const d = row(a.deploymentId);
        const prepared = await this.prepare(d);
        if (!prepared) return;
        if (a.type === 'create') {
          await engine.createService(prepared.spec, prepared.auth);
          this.event(d, 'info', 'service_created', `Swarm service ${prepared.spec.Name} created`);
        } else {
          await engine.updateService(a.serviceId, prepared.spec, prepared.auth);
          this.event(d, 'info', 'rolling_update_started', `Swarm service ${prepared.spec.Name} updating to this deployment (one task at a time, start-first, rolled back on failure)`);
        }
        if (d.status === 'pending') state.record(d.id, { status: 'creating', events: [transition(d.status, 'creating')] });
        return;
      }
      case 'rollback': {
        await engine.rollbackService(a.serviceId);
        this.event(row(a.deploymentId), 'warning', 'readiness_deadline_exceeded', a.message);
        return;
      }
      case 'failRollout': {
        const d = row(a.deploymentId);
        state.record(d.id, {
          status: 'failed',
          events: [
            { level: 'error', component: SWARM_COMPONENT, reason: 'rolling_update_failed', message: `${a.message}; the previous deployment keeps serving` },
            transition(d.status, 'failed'),
          ],
        });
        return;
      }
      case 'setStatus': {
        const d = row(a.deploymentId);
        const events: NewEvent[] = [];
        if (a.to.status !== 'running' && a.to.status !== 'creating') {
          events.push({ level: isTerminal(a.to.status) && a.to.status !== 'completed' ? 'error' : 'warning', component: SWARM_COMPONENT, reason: a.to.reason, message: a.to.message });
        }
        events.push(transition(d.status, a.to.status));
        state.record(d.id, { status: a.to.status, restartCount: a.to.restarts, events });
        this.lastError.delete(d.id);
        return;
      }
      case 'remove':
        await engine.removeService(a.serviceId);
        return;
      case 'purge': {
        const d = row(a.deploymentId);
        if (d.status !== 'deleted') {
          state.record(d.id, {
            status: 'deleted',
            events: [{ ...transition(d.status, 'deleted'), message: `Status changed from ${d.status} to deleted (replaced by deployment ${a.replacedBy})` }],
          });
        }
        state.purge(d.id);
        this.lastError.delete(d.id);
        return;
      }
    }
  }

  /** Network, secrets, configs, image tools: everything the service spec refers to. */
  private async prepare(d: Deployment): Promise<{ spec: Record<string, unknown> & { Name?: unknown }; auth?: RegistryAuth } | null> {
    const { engine, state } = this.o;
    const problems = swarmProblems(d);
    if (problems.violations.length > 0) {
      this.error(d, 'swarm_unsupported', `Cannot run on Swarm: ${problems.violations.map((v) => `${v.property_path}: ${v.message}`).join('; ')}`, 'create_container_error');
      return null;
    }
    const refs: SwarmRefs = {
      networkId: await engine.ensureNetwork(d.namespace),
      secrets: new Map(),
      configs: new Map(),
      ipvs: this.o.endpointMode === 'auto' ? SwarmEngine.hostHasIpvs() : this.o.endpointMode === 'vip',
    };
    const secretNames = new Set<string>();
    for (const v of Object.values(d.environment ?? {})) if (typeof v !== 'string') secretNames.add(v.secretRef);
    for (const v of d.volumes) if (v.type === 'secret' && v.source) secretNames.add(v.source);
    for (const name of secretNames) {
      const value = state.resolveSecret(d.namespace, name);
      if (value === undefined) {
        this.error(d, 'secret_resolution_error', `Secret '${name}' not found in namespace '${d.namespace}'`);
        return null;
      }
      refs.secrets.set(name, await engine.ensureSecret(d.namespace, name, value));
    }
    for (const v of d.volumes) {
      if (v.type !== 'config') continue;
      const files = state.resolveConfig(d.namespace, v.source ?? '');
      const content = files?.[v.key ?? ''];
      if (content === undefined) {
        this.error(d, 'config_error', files ? `Config '${v.source}' has no key '${v.key}'` : `Config '${v.source}' not found in namespace '${d.namespace}'`, 'config_error');
        return null;
      }
      refs.configs.set(configRefKey(v.source ?? '', v.key ?? ''), await engine.ensureConfig(d.namespace, v.source ?? '', v.key ?? '', content));
    }
    const tools = toolsNeeded(d.health_checks);
    if (tools.length > 0) {
      const missing = await engine.missingTools(d.image, tools).catch(() => [] as string[]);
      if (missing.length > 0) {
        this.error(d, 'health_check_tool_missing',
          `Image ${d.image} has no ${missing.join(', ')}: Swarm runs health checks inside the container, so tcp checks need nc and http checks need wget; use a command check instead`,
          'create_container_error');
        return null;
      }
    }
    for (const w of problems.warnings) this.event(d, 'warning', 'swarm_translation', w, true);
    if (!refs.ipvs && d.ports.length > 0) {
      this.event(d, 'warning', 'swarm_translation', 'No IPVS in this kernel: ports are published in host mode on each task\'s node and the endpoint mode is dnsrr (no routing mesh)', true);
    }
    const auth = d.config?.username !== undefined && d.config.password !== undefined
      ? { username: d.config.username, password: d.config.password, ...(d.config.server ? { serveraddress: d.config.server } : {}) }
      : undefined;
    return { spec: serviceSpec(d, refs), ...(auth ? { auth } : {}) };
  }

  private readonly said = new Set<string>();

  private event(d: Deployment, level: NewEvent['level'], reason: string, message: string, once = false): void {
    const key = `${d.id}\0${message}`;
    if (once && this.said.has(key)) return;
    this.said.add(key);
    this.o.state.record(d.id, { events: [{ level, component: SWARM_COMPONENT, reason, message }] });
  }

  private error(d: Deployment, reason: string, message: string, status: Status = 'error'): void {
    if (this.lastError.get(d.id) === message) return;
    this.lastError.set(d.id, message);
    const events: NewEvent[] = [{ level: 'error', component: SWARM_COMPONENT, reason, message }];
    if (d.status !== status && d.status !== 'deleted' && !isTerminal(d.status)) events.push(transition(d.status, status));
    this.o.state.record(d.id, { ...(d.status !== 'deleted' && !isTerminal(d.status) ? { status } : {}), events });
  }
}

function toRow(d: Deployment): SwarmRow {
  return { id: d.id, status: d.status, kind: d.kind, replicas: d.replicas, parent_id: d.parent_id, created_at: d.created_at };
}

function transition(from: Status, to: Status): NewEvent {
  return { level: isTerminal(to) && to !== 'completed' ? 'error' : 'info', component: 'scheduler', reason: 'state_transition', message: `Status changed from ${from} to ${to}` };
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
