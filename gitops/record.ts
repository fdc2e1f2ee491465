// Turning a sync pass and its rollouts into the recorded status, and telling a webhook about it.
import type { ApplyIo, ApplyTarget } from '../src/client/apply-manifest.js';
import { commitOutcome, waitForRollouts, type CommitOutcome, type RolloutVerdict } from './health.js';
import type { DeploymentStatus, SyncStatus } from './status.js';
import type { SyncReport } from './sync.js';
import { counterpart, type LiveView } from './diff.js';

const TERMINAL_FAILURES = new Set(['failed', 'crash_loop_back_off', 'insufficient_resources']);

/** Every deployment in these namespaces. */
export async function listLive(target: ApplyTarget, namespaces: readonly string[]): Promise<LiveView[]> {
  if (namespaces.length === 0) return [];
  const r = await target.client.GET('/deployments', { params: { query: { namespace: [...new Set(namespaces)] } } });
  if (!r.response.ok || !r.data) throw new Error(`cannot list deployments (${r.response.status})`);
  return r.data;
}

/** Per deployment: unchanged, failed to apply, or the verdict of its rollout. */
export function deploymentStatuses(report: SyncReport, verdicts: ReadonlyMap<string, RolloutVerdict>): DeploymentStatus[] {
  const out: DeploymentStatus[] = report.deployments.map((r) => {
    const base = { namespace: r.desired.namespace, name: r.desired.name, source: r.desired.source, ...(r.id ? { id: r.id } : {}) };
    if (r.state === 'unchanged') return { ...base, outcome: 'unchanged' };
    if (r.state === 'failed') return { ...base, outcome: 'failed', ...(r.error ? { detail: r.error } : {}) };
    const v = r.id ? verdicts.get(r.id) : undefined;
    if (!v) return { ...base, outcome: 'progressing', detail: 'applied' };
    return { ...base, outcome: v.state === 'healthy' ? 'healthy' : v.state === 'failed' ? 'failed' : 'progressing', detail: v.detail };
  });
  for (const p of report.pruned_) out.push({ namespace: p.namespace, name: p.name, source: p.source, id: p.id, outcome: 'pruned' });
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export interface SettleOptions {
  /** How long to wait for the rollouts; 0 = do not wait (outcome progressing when something was applied). */
  waitMs: number;
  signal?: AbortSignal;
  io: ApplyIo;
}

export interface Settled {
  outcome: CommitOutcome | 'progressing';
  deployments: DeploymentStatus[];
  /** Hashes whose rollout failed: not retried by drift healing until a commit changes them. */
  failedHashes: string[];
}

/** Waits for what the pass applied and decides the commit's outcome. */
export async function settle(target: ApplyTarget, report: SyncReport, opts: SettleOptions): Promise<Settled> {
  let applied = report.deployments.filter((d) => d.state === 'applied' && d.id);
  let verdicts = new Map<string, RolloutVerdict>();
  if (opts.waitMs > 0 && applied.length > 0) {
    try {
      verdicts = await waitForRollouts(target, applied.map((d) => d.id!), {
        timeoutMs: opts.waitMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (_id, v, name) => opts.io.out(`  ${name}: ${v.state === 'progressing' ? v.detail : `${v.state} (${v.detail})`}`),
      });
    } catch (e) {
      // The server went away mid-wait: the rollouts are not known to have failed, only not seen through.
      opts.io.err(`cannot follow the rollouts: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // An unchanged deployment that failed at an earlier sync still fails this commit.
  const unchanged = report.deployments.filter((d) => d.state === 'unchanged');
  if (unchanged.length > 0 && opts.waitMs > 0) {
    const live = await listLive(target, unchanged.map((d) => d.desired.namespace)).catch(() => []);
    for (const d of unchanged) {
      const v = counterpart(d.desired, live);
      if (v && TERMINAL_FAILURES.has(v.status)) {
        d.id = v.id;
        verdicts.set(v.id, { state: 'failed', detail: `still ${v.status} (unchanged since an earlier sync)` });
        d.state = 'applied';
      }
    }
  }
  const failedHashes = report.deployments.filter((d) => d.id && verdicts.get(d.id)?.state === 'failed').map((d) => d.desired.hash);
  applied = report.deployments.filter((d) => d.state === 'applied' && d.id);
  const outcome: Settled['outcome'] = report.failed > 0 ? 'failed'
    : opts.waitMs > 0 || applied.length === 0 ? commitOutcome(0, applied.map((d) => verdicts.get(d.id!) ?? { state: 'failed', detail: 'no answer' }))
      : 'progressing';
  return { outcome, deployments: deploymentStatuses(report, verdicts), failedHashes };
}

/** The body POSTed to --notify: kind gitops.synced, like a server event, with the whole status. */
export function notification(s: SyncStatus) {
  return {
    kind: 'gitops.synced',
    repo: s.repo, path: s.path, ref: s.ref, revision: s.revision, subject: s.subject, synced_at: s.synced_at,
    outcome: s.outcome, deployments: s.deployments, errors: s.errors,
    text: `gitops ${s.repo} ${s.path || '.'} @ ${(s.revision ?? '').slice(0, 12)}${s.subject ? ` "${s.subject}"` : ''}: ${s.outcome}`,
  };
}

/** One POST (5 s limit); a failure is logged, never fatal. */
export async function notify(url: string, s: SyncStatus, io: ApplyIo): Promise<void> {
  try {
    const r = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'ring-gitops' },
      body: JSON.stringify(notification(s)), signal: AbortSignal.timeout(5000),
    });
    if (!r.ok) io.err(`notify ${url}: answered ${r.status}`);
  } catch (e) {
    io.err(`notify ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
