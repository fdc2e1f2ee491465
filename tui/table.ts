// The list as display lines: one row per item, and under a rollout its two sides (new child
// filling, old parent draining) with progress bars, the readiness gate and the deadline. Pure.
import { bar, shortDuration } from './bar.js';
import { formatAge, replicasText, statusColour, type Row, type StatusColour } from './format.js';
import type { GateView } from './gate.js';
import type { Item, Phase, RolloutProgress } from './rollout.js';

export const PHASE_STATUS: Record<Phase, string> = {
  gated: 'rolling: gate shut',
  draining: 'rolling: draining',
  complete: 'rolled out',
  failed: 'rollout failed',
};

export function phaseColour(p: Phase): StatusColour {
  return p === 'complete' ? 'green' : p === 'failed' ? 'red' : 'yellow';
}

/** The table row of an item (a rollout shows the child's numbers and the new image). */
export function itemRow(item: Item, progress: RolloutProgress | undefined, now: number): Row {
  if (item.kind === 'single') {
    const d = item.deployment;
    return { id: d.id, namespace: d.namespace, name: d.name, status: d.status, replicas: replicasText(d), restarts: String(d.restart_count), image: d.image, age: formatAge(d.created_at, now) };
  }
  const { child, parent } = item;
  const image = parent && parent.image !== child.image ? `${parent.image} → ${child.image}` : child.image;
  return {
    id: child.id, namespace: child.namespace, name: child.name,
    status: progress ? PHASE_STATUS[progress.phase] : child.status,
    replicas: progress ? `${progress.childUp}/${progress.childDesired}` : replicasText(child),
    restarts: String(child.restart_count), image, age: formatAge(child.created_at, now),
  };
}

export interface Segment {
  text: string;
  colour?: StatusColour;
  dim?: boolean;
}

export interface DetailOptions {
  width: number;
  ascii: boolean;
  now: number;
}

function gateText(gate: GateView | undefined): Segment {
  if (!gate) return { text: 'no readiness checks', dim: true };
  if (gate.open) return { text: `gate open (${gate.checks.map((c) => c.label).join(', ')} green ≥ ${shortDuration(gate.checks[0]?.windowMs ?? 0)})`, colour: 'green' };
  const b = gate.blocking!;
  if (b.state === 'red') return { text: `gate shut: ${b.label} failing${b.message ? ` (${b.message.replace(/\s+/g, ' ').slice(0, 60)})` : ''}`, colour: 'red' };
  if (b.state === 'unknown') return { text: `gate shut: ${b.label} not probed yet`, colour: 'yellow' };
  return { text: `gate: ${b.label} green ${shortDuration(b.greenMs)} of ${shortDuration(b.windowMs)}`, colour: 'yellow' };
}

/**
 * The two detail lines of a rollout (plus the outcome once it ended):
 *   new 1a2b3c4d running  [██████░░░░] 2/3 up      gate: http :80/health green 4s of 10s · deadline 9m50s
 *   old 9f8e7d6c running  [███░░░░░░░] drained 1 of 3
 */
export function rolloutDetail(item: Extract<Item, { kind: 'rollout' }>, p: RolloutProgress, gate: GateView | undefined, o: DetailOptions): Segment[][] {
  const barWidth = Math.max(5, Math.min(20, Math.floor(o.width / 8)));
  const { child, parent } = item;
  // Narrow terminals lose the ids first: the bars and counts are what a person watches.
  const ids = o.width >= 70;
  const newLine: Segment[] = [
    { text: '  ├ new ', dim: true },
    ...(ids ? [{ text: `${child.id.slice(0, 8)} ` }] : []),
    { text: child.status.padEnd(8), colour: statusColour(child.status) },
    { text: `  [${bar(p.childUp, p.childDesired, barWidth, o.ascii)}] ${p.childUp}/${p.childDesired} up  ` },
  ];
  if (p.phase === 'gated') {
    newLine.push(gateText(gate));
    if (p.deadlineInMs !== undefined) {
      newLine.push({ text: p.deadlineInMs > 0 ? ` · deadline in ${shortDuration(p.deadlineInMs)}` : ' · deadline passed', colour: p.deadlineInMs < 60_000 ? 'red' : undefined });
    }
  } else if (p.phase === 'draining') newLine.push({ text: 'gate open', colour: 'green' });
  const oldLine: Segment[] = [
    { text: '  └ old ', dim: true },
    ...(ids ? [{ text: `${(parent?.id ?? item.memory.parentId).slice(0, 8)} ` }] : []),
    parent ? { text: parent.status.padEnd(8), colour: statusColour(parent.status) } : { text: 'purged  ', dim: true },
    { text: `  [${bar(p.drained, p.parentTotal, barWidth, o.ascii)}] drained ${p.drained} of ${p.parentTotal}` },
    ...(p.phase === 'gated' ? [{ text: ' (waits for the gate)', dim: true }] : []),
  ];
  const lines = [newLine, oldLine];
  if (p.outcome) lines.push([{ text: `  ${p.outcome}`, colour: phaseColour(p.phase) }]);
  return lines;
}
