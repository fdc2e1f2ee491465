// After a commit is applied: follow the deployments it created with the client's waitForRollout
// (the same code as `ring apply --wait`) and call the commit healthy, degraded or failed.
import type { ApplyTarget } from '../src/client/apply-manifest.js';
import { waitForRollout, type RolloutResult } from '../src/client/wait.js';

export type RolloutVerdict =
  | { state: 'progressing'; detail: string }
  | { state: 'healthy'; detail: string }
  | { state: 'failed'; detail: string };

export type CommitOutcome = 'healthy' | 'degraded' | 'failed';

/** failed: the commit could not be applied completely; degraded: applied, a rollout failed or timed out. */
export function commitOutcome(applyFailures: number, verdicts: readonly RolloutVerdict[]): CommitOutcome {
  if (applyFailures > 0) return 'failed';
  return verdicts.every((v) => v.state === 'healthy') ? 'healthy' : 'degraded';
}

/**
 * Per id, from a wait's result: succeeded is healthy, failed carries its reason, and what was
 * still pending failed by the time limit, or was left when another rollout failed first (the
 * wait is fail-fast).
 */
export function verdictsOf(r: RolloutResult, timeoutMs: number): Map<string, RolloutVerdict> {
  const out = new Map<string, RolloutVerdict>();
  for (const p of r.deployments) {
    const v = p.verdict;
    if (v.state === 'succeeded') out.set(p.id, { state: 'healthy', detail: `${v.step} (${p.ready}/${p.desired})` });
    else if (v.state === 'failed') out.set(p.id, { state: 'failed', detail: v.reason });
    else if (r.outcome === 'timeout') out.set(p.id, { state: 'failed', detail: `not rolled out within ${Math.round(timeoutMs / 1000)}s (${v.step})` });
    else out.set(p.id, { state: 'progressing', detail: `${v.step} (not followed further: another rollout of the commit failed)` });
  }
  return out;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (id: string, v: RolloutVerdict, name: string) => void;
}

export async function waitForRollouts(target: ApplyTarget, ids: readonly string[], opts: WaitOptions): Promise<Map<string, RolloutVerdict>> {
  const last = new Map<string, string>();
  const r = await waitForRollout(target.client, ids, {
    timeoutMs: opts.timeoutMs,
    baseUrl: target.baseUrl,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => {
      const v: RolloutVerdict = p.verdict.state === 'succeeded' ? { state: 'healthy', detail: p.verdict.step }
        : p.verdict.state === 'failed' ? { state: 'failed', detail: p.verdict.reason }
          : { state: 'progressing', detail: `${p.status} ${p.ready}/${p.desired}, ${p.verdict.step}` };
      if (last.get(p.id) === v.detail) return;
      last.set(p.id, v.detail);
      opts.onProgress?.(p.id, v, `${p.namespace}/${p.name}`);
    },
  });
  return verdictsOf(r, opts.timeoutMs);
}
