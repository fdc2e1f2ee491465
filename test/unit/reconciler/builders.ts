// Builders and a compact summary for plan() tests: worker({ replicas: 2 }), exited('i2', 137), …
import type { Deployment } from '../../../src/domain/deployment.js';
import type { Instance } from '../../../src/runtime/runtime.js';
import { FRESH_MEMORY, type Action, type PlanInput, type PlanResult } from '../../../src/reconciler/plan.js';

export const NOW = 1_700_000_000_000;
export const DEP_ID = 'd1';

export function worker(over: Partial<Deployment> = {}): Deployment {
  return {
    id: DEP_ID, name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1,
    command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
    status: 'running', restart_count: 0, created_at: '2024-01-01T00:00:00.000Z', updated_at: '',
    parent_id: null, image_digest: null,
    ...over,
  };
}

export function job(over: Partial<Deployment> = {}): Deployment {
  return worker({ kind: 'job', name: 'task', status: 'creating', ...over });
}

interface InstOpts { startedAgo?: number; createdAgo?: number; oom?: boolean; deploymentId?: string }

/** Running for a while (well past the liveness confirmation) unless startedAgo says otherwise. */
export function running(id: string, o: InstOpts = {}): Instance {
  const startedAt = NOW - (o.startedAgo ?? 60_000);
  return {
    id, name: `ns_web_${id}`, deploymentId: o.deploymentId ?? DEP_ID, state: 'running', exitCode: null,
    oomKilled: false, createdAt: NOW - (o.createdAgo ?? o.startedAgo ?? 60_000), startedAt, finishedAt: null, address: '10.0.0.2',
  };
}

export function exited(id: string, exitCode: number | null, o: InstOpts & { finishedAgo?: number } = {}): Instance {
  return {
    ...running(id, o), state: 'exited', exitCode, oomKilled: o.oom ?? false, finishedAt: NOW - (o.finishedAgo ?? 100),
  };
}

export function created(id: string, o: InstOpts = {}): Instance {
  return { ...running(id, o), state: 'created', startedAt: null };
}

export function withState(i: Instance, state: Instance['state']): Instance {
  return { ...i, state };
}

export function input(d: Deployment, instances: Instance[] = [], over: Partial<PlanInput> = {}): PlanInput {
  return { deployment: d, instances, now: NOW, settled: new Set<string>(), memory: FRESH_MEMORY, ...over };
}

/** One short line per action, so a case's whole expectation fits on one line. */
export function summarize(a: Action): string {
  switch (a.type) {
    case 'createInstance': return 'create';
    case 'removeInstance': return `remove ${a.instanceId}${a.intentional ? ' (intentional)' : ''}`;
    case 'setStatus': return `status ${a.from}→${a.status}`;
    case 'bumpRestartCount': return `count ${a.from}→${a.from + a.by}`;
    case 'resetRestartCount': return `count ${a.from}→0`;
    case 'purge': return 'purge';
    case 'recordEvent': return `event ${a.event.reason}`;
    case 'drainInstance': return `drain ${a.instanceId} for ${a.childId}`;
    case 'completeRollout': return `complete rollout ${a.parentId}→${a.childId}`;
    case 'stopInstance': return `stop ${a.instanceId}`;
  }
}

export function summary(r: PlanResult): string[] {
  return r.actions.map(summarize);
}

/** Every event the plan would write, as `reason: message`. */
export function events(r: PlanResult): string[] {
  const out: string[] = [];
  for (const a of r.actions) {
    if (a.type === 'setStatus') {
      if (a.cause) out.push(`${a.cause.reason}: ${a.cause.message}`);
      out.push(`${a.event.reason}: ${a.event.message}`);
    } else if ('event' in a && a.event) {
      out.push(`${a.event.reason}: ${a.event.message}`);
    }
  }
  return out;
}
