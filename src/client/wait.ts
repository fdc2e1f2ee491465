// waitForRollout: follow deployments over the push stream until each has succeeded or one failed
// (fail-fast), or the time limit passed. The same code serves `ring apply --wait`, `ring deployment
// wait`, the GitOps health wait and CI scripts.
import { CliError, EXIT, resourceError } from './errors.js';
import type { components, RingClient } from './index.js';
import { RETRIED_FAILURES, verdictOf, type Observed, type Target, type Verdict, type WaitFor } from './rollout-verdict.js';
import { watchDeployments } from './watch.js';

type Deployment = components['schemas']['Deployment'];
type DeploymentEvent = components['schemas']['DeploymentEvent'];

export interface RolloutProgress {
  id: string;
  namespace: string;
  name: string;
  status: string;
  /** Running instances / the count asked for. */
  ready: number;
  desired: number;
  verdict: Verdict;
}

export interface WaitOptions {
  /** Overall limit; undefined = no limit. */
  timeoutMs?: number;
  /** Default: `completed` for a job, `running` for a worker. */
  for?: WaitFor;
  /** Called once per target at the start and whenever its status, counts or step change. */
  onProgress?: (p: RolloutProgress, all: RolloutProgress[]) => void;
  /** How long a retried failure status (image_pull_back_off, config_error…) may last (default 60 s). */
  retryBudgetMs?: number;
  signal?: AbortSignal;
  /** The URL errors name. */
  baseUrl?: string;
}

export interface RolloutResult {
  /** succeeded: every target did; failed: one failed (the wait stopped there); timeout: the limit passed first. */
  outcome: 'succeeded' | 'failed' | 'timeout';
  deployments: RolloutProgress[];
  /** The failed ones, with the last events recorded for each (newest first). */
  failures: (RolloutProgress & { reason: string; events: DeploymentEvent[] })[];
}

/** Exit code of a wait: 0, 6 (rollout failed), 7 (timed out). */
export function exitCodeOf(r: RolloutResult): number {
  return r.outcome === 'succeeded' ? EXIT.OK : r.outcome === 'failed' ? EXIT.ROLLOUT_FAILED : EXIT.TIMEOUT;
}

const RECONNECTS = 5;

export async function waitForRollout(client: RingClient, ids: readonly string[], opts: WaitOptions = {}): Promise<RolloutResult> {
  const baseUrl = opts.baseUrl ?? 'the server';
  const unique = [...new Set(ids)];
  const started = Date.now();
  const deadline = opts.timeoutMs === undefined ? Infinity : started + opts.timeoutMs;
  const seen = new Map<string, Deployment | undefined>();
  const targets: Target[] = [];
  const names = new Map<string, { namespace: string; name: string }>();
  for (const id of unique) {
    const r = await client.GET('/deployments/{id}', { params: { path: { id } } });
    if (r.response.status === 404 && opts.for === 'deleted') {
      targets.push({ id, for: 'deleted' });
      names.set(id, { namespace: '', name: id });
      seen.set(id, undefined);
      continue;
    }
    if (!r.response.ok || !r.data) throw resourceError('deployment', id, r, baseUrl);
    const d = r.data;
    seen.set(id, d);
    names.set(id, { namespace: d.namespace, name: d.name });
    targets.push({ id, for: opts.for ?? (d.kind === 'job' ? 'completed' : 'running'), ...(d.parent_id ? { parentId: d.parent_id } : {}) });
  }
  const follow = [...new Set([...targets.map((t) => t.id), ...targets.flatMap((t) => (t.parentId ? [t.parentId] : []))])];
  const retryingSince = new Map<string, { status: string; since: number }>();
  const lastEvents = new Map<string, DeploymentEvent[]>();
  const lastShown = new Map<string, string>();

  const progressOf = (t: Target, now: number): RolloutProgress => {
    const d = seen.get(t.id);
    const r = retryingSince.get(t.id);
    const verdict = verdictOf({
      target: t, deployment: d as Observed | undefined, parent: t.parentId ? (seen.get(t.parentId) as Observed | undefined) : undefined,
      retryingSince: r?.since, now, retryBudgetMs: opts.retryBudgetMs,
    });
    const n = names.get(t.id)!;
    const desired = d ? (d.autoscale && typeof d.desired_replicas === 'number' ? d.desired_replicas : d.replicas) : 0;
    return { id: t.id, namespace: n.namespace, name: n.name, status: d?.status ?? 'gone', ready: d?.instances?.length ?? 0, desired, verdict };
  };

  const track = (d: Deployment | undefined, id: string, now: number) => {
    seen.set(id, d);
    const status = d?.status;
    if (status && RETRIED_FAILURES.has(status)) {
      if (retryingSince.get(id)?.status !== status) retryingSince.set(id, { status, since: now });
    } else retryingSince.delete(id);
  };

  /** Evaluates every target; reports changes; returns the outcome once decided. */
  const evaluate = (): RolloutResult['outcome'] | null => {
    const now = Date.now();
    const all = targets.map((t) => progressOf(t, now));
    for (const p of all) {
      const key = JSON.stringify([p.status, p.ready, p.desired, p.verdict]);
      if (lastShown.get(p.id) !== key) {
        lastShown.set(p.id, key);
        opts.onProgress?.(p, all);
      }
    }
    if (all.some((p) => p.verdict.state === 'failed')) return 'failed';
    if (all.every((p) => p.verdict.state === 'succeeded')) return 'succeeded';
    if (now >= deadline) return 'timeout';
    return null;
  };

  const finish = async (outcome: RolloutResult['outcome']): Promise<RolloutResult> => {
    const now = Date.now();
    const all = targets.map((t) => progressOf(t, now));
    const failures: RolloutResult['failures'] = [];
    for (const p of all) {
      if (p.verdict.state !== 'failed') continue;
      let events = lastEvents.get(p.id) ?? [];
      const r = await client.GET('/deployments/{id}/events', { params: { path: { id: p.id }, query: { limit: 10 } } }).catch(() => null);
      if (r?.response.ok && r.data) events = r.data;
      // The newest error the server recorded says why better than the status alone.
      const cause = events.find((e) => e.level === 'error' && e.reason !== 'state_transition');
      failures.push({ ...p, reason: cause ? `${p.verdict.reason}: ${cause.message}` : p.verdict.reason, events });
    }
    return { outcome, deployments: all, failures };
  };

  const early = evaluate();
  if (early) return finish(early);

  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let decided: RolloutResult['outcome'] | null = null;
  /** Ids the current stream's snapshot sent (reset at `synced` and on reconnect). */
  const seenInSnapshot = new Set<string>();
  // Time-based rules (the deadline, a retried status outlasting its budget) need a clock, not only changes.
  const tick = setInterval(() => {
    decided ??= evaluate();
    if (decided) abort.abort();
  }, 500);
  try {
    let failuresInARow = 0;
    while (!decided && !abort.signal.aborted) {
      try {
        for await (const e of watchDeployments(client, { ids: follow, signal: abort.signal, baseUrl })) {
          failuresInARow = 0;
          const now = Date.now();
          if (e.type === 'deployment') track(e.deployment, e.deployment.id, now);
          else if (e.type === 'removed') track(undefined, e.id, now);
          else if (e.type === 'event') lastEvents.set(e.event.deployment_id, [e.event, ...(lastEvents.get(e.event.deployment_id) ?? [])].slice(0, 10));
          else if (e.type === 'synced') {
            // Anything the snapshot did not mention is gone.
            for (const id of follow) if (!seenInSnapshot.has(id)) track(undefined, id, now);
            seenInSnapshot.clear();
          }
          if (e.type === 'deployment') seenInSnapshot.add(e.deployment.id);
          decided ??= evaluate();
          if (decided) break;
        }
      } catch (e) {
        if (abort.signal.aborted) break;
        if (++failuresInARow > RECONNECTS) throw e;
        await new Promise((r) => setTimeout(r, 500 * failuresInARow));
      }
      seenInSnapshot.clear();
    }
  } finally {
    clearInterval(tick);
    abort.abort();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (!decided) {
    if (opts.signal?.aborted) throw new CliError('error: the wait was interrupted', EXIT.GENERAL);
    decided = evaluate() ?? 'timeout';
  }
  return finish(decided);
}
