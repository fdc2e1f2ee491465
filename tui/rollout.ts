// Rolling updates as one item: a child (parent_id set) and the parent it drains are shown
// together, and once the rollout ends the item says how (parent purged, or child failed with the
// parent still serving) for a while. Pure: the App keeps the memory between refreshes.
import { isStatus, isTerminal } from '../src/domain/status.js';
import type { Deployment } from './format.js';
import type { GateView } from './gate.js';

/** What is remembered of a rollout once the server stops linking child and parent. */
export interface RolloutMemory {
  childId: string;
  parentId: string;
  /** The parent's replicas when last seen (drain total). */
  parentReplicas: number;
  parentName: string;
  /** When the link was last seen (the child carried parent_id and/or the parent was listed). */
  seenAt: number;
}

export type Memory = ReadonlyMap<string, RolloutMemory>;

/** How long an ended rollout stays one item with its outcome, before its child is a plain row. */
export const OUTCOME_LINGER_MS = 60_000;

export type Item =
  | { kind: 'single'; key: string; deployment: Deployment }
  | { kind: 'rollout'; key: string; child: Deployment; parent?: Deployment; memory: RolloutMemory };

const isActive = (d: Deployment) => d.status !== 'deleted';

/** Updates the memory from a fresh list: new links are added, links unseen for the linger time go. */
export function remember(prev: Memory, list: readonly Deployment[], now: number): Map<string, RolloutMemory> {
  const byId = new Map(list.map((d) => [d.id, d]));
  const next = new Map<string, RolloutMemory>();
  for (const d of list) {
    if (!d.parent_id || d.status === 'deleted') continue;
    const parent = byId.get(d.parent_id);
    const old = prev.get(d.id);
    next.set(d.id, {
      childId: d.id, parentId: d.parent_id,
      parentReplicas: parent?.replicas ?? old?.parentReplicas ?? 0,
      parentName: parent?.name ?? old?.parentName ?? d.name,
      seenAt: now,
    });
  }
  for (const [id, m] of prev) {
    if (next.has(id) || !byId.has(id)) continue;
    if (now - m.seenAt < OUTCOME_LINGER_MS) next.set(id, m);
  }
  return next;
}

/**
 * The items to show: a child with its parent (the parent is not listed on its own), plain rows for
 * everything else; deleted deployments are dropped unless they are a rollout's parent being purged.
 */
export function groupItems(list: readonly Deployment[], memory: Memory): Item[] {
  const byId = new Map(list.map((d) => [d.id, d]));
  const taken = new Set<string>();
  const items: Item[] = [];
  for (const d of list) {
    const m = memory.get(d.id);
    if (!m || d.status === 'deleted') continue;
    const parent = byId.get(m.parentId);
    taken.add(d.id);
    if (parent) taken.add(parent.id);
    items.push({ kind: 'rollout', key: d.id, child: d, ...(parent ? { parent } : {}), memory: m });
  }
  for (const d of list) {
    if (taken.has(d.id) || !isActive(d)) continue;
    items.push({ kind: 'single', key: d.id, deployment: d });
  }
  return items;
}

export type Phase =
  /** The child comes up; its readiness gate is shut. */
  | 'gated'
  /** The gate is open; the parent loses one instance at a time. */
  | 'draining'
  /** Every parent instance was replaced and the parent purged (or it is being purged). */
  | 'complete'
  /** The child ended (failed, deleted, …); the parent keeps serving. */
  | 'failed';

export interface RolloutProgress {
  phase: Phase;
  childUp: number;
  childDesired: number;
  parentTotal: number;
  parentRemaining: number;
  /** Parent instances removed so far (parentTotal - parentRemaining). */
  drained: number;
  /** ms until a gated child fails (negative = past); undefined when no deadline applies. */
  deadlineInMs?: number;
  /** One line for the outcome of an ended rollout. */
  outcome?: string;
}

const short = (id: string) => id.slice(0, 8);

function target(d: Deployment): number {
  return d.autoscale && typeof d.desired_replicas === 'number' ? d.desired_replicas : d.replicas;
}

export function rolloutProgress(item: Extract<Item, { kind: 'rollout' }>, gate: GateView | undefined, now: number): RolloutProgress {
  const { child, parent, memory } = item;
  const parentTotal = parent ? parent.replicas : memory.parentReplicas;
  const parentGone = !parent || parent.status === 'deleted';
  const parentRemaining = parent ? parent.instances.length : 0;
  const drained = Math.max(0, parentTotal - parentRemaining);
  const base = { childUp: child.instances.length, childDesired: target(child), parentTotal, parentRemaining, drained };
  const ended = child.status === 'deleted' || (isStatus(child.status) && isTerminal(child.status));
  if (ended) {
    const serving = parent && !parentGone
      ? `; parent ${short(parent.id)} still serving ${parentRemaining}/${parentTotal}`
      : '';
    return { ...base, phase: 'failed', outcome: `✗ rollout failed: new deployment ${short(child.id)} is ${child.status}${serving}` };
  }
  if (!child.parent_id && parentGone) {
    return { ...base, drained: parentTotal, parentRemaining: 0, phase: 'complete',
      outcome: `✓ rolled out: ${parentTotal} of ${parentTotal} replaced, parent ${short(memory.parentId)} purged` };
  }
  if (child.status === 'running' || gate?.open) {
    if (parentGone || parentRemaining === 0) {
      return { ...base, phase: 'complete', outcome: `✓ rolled out: parent ${short(memory.parentId)} drained, purging` };
    }
    return { ...base, phase: 'draining' };
  }
  const deadline = Date.parse(child.readiness?.deadline_at ?? '');
  return { ...base, phase: 'gated', ...(Number.isNaN(deadline) ? {} : { deadlineInMs: deadline - now }) };
}
