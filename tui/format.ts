// What the TUI shows, as plain data: rows, column widths, colours, ages. Pure, so it is tested
// without a terminal.
import type { components } from '../src/client/index.js';
import { isStatus, isTerminal, RETRIED_FAILURE_STATUSES } from '../src/domain/status.js';

export type Deployment = components['schemas']['Deployment'];
export type DeploymentEvent = components['schemas']['DeploymentEvent'];

export type StatusColour = 'green' | 'red' | 'yellow' | 'gray';

/** running/completed green, failures red, deleted grey, anything on its way yellow. */
export function statusColour(status: string): StatusColour {
  if (status === 'running' || status === 'completed') return 'green';
  if (status === 'deleted') return 'gray';
  if (isStatus(status) && (isTerminal(status) || RETRIED_FAILURE_STATUSES.includes(status))) return 'red';
  return 'yellow';
}

/** RFC 3339, or Ring's `YYYY-MM-DD HH:MM:SS[.fff…] UTC`; NaN when neither. */
export function parseTimestamp(s: string | undefined | null): number {
  if (!s) return Number.NaN;
  const ring = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*( UTC)?$/.exec(s);
  if (ring) return Date.parse(`${ring[1]}T${ring[2]}${ring[3] ?? ''}Z`);
  return Date.parse(s);
}

/** `42s`, `5m`, `3h`, `2d` (the largest whole unit), `-` when unknown. */
export function formatAge(createdAt: string | undefined | null, now: number): string {
  const t = parseTimestamp(createdAt);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `running/target` instances; autoscaled deployments target their current desired count. */
export function replicasText(d: Deployment): string {
  const target = d.autoscale && typeof d.desired_replicas === 'number' ? d.desired_replicas : d.replicas;
  return `${d.instances?.length ?? 0}/${target}`;
}

export interface Row {
  id: string;
  namespace: string;
  name: string;
  status: string;
  replicas: string;
  restarts: string;
  image: string;
  age: string;
}

export const COLUMNS = ['namespace', 'name', 'status', 'replicas', 'restarts', 'image', 'age'] as const;
export type Column = (typeof COLUMNS)[number];
export const HEADERS: Record<Column, string> = {
  namespace: 'NAMESPACE', name: 'NAME', status: 'STATUS', replicas: 'REPLICAS', restarts: 'RESTARTS', image: 'IMAGE', age: 'AGE',
};

/** Deleted deployments are on their way out: the table drops them at once. */
export function visibleDeployments(list: readonly Deployment[]): Deployment[] {
  return list.filter((d) => d.status !== 'deleted');
}

/** Oldest first within a namespace, namespaces alphabetically: rows do not jump between refreshes. */
export function toRows(list: readonly Deployment[], now: number): Row[] {
  return [...list]
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || parseTimestamp(a.created_at) - parseTimestamp(b.created_at))
    .map((d) => ({
      id: d.id,
      namespace: d.namespace,
      name: d.name,
      status: d.status,
      replicas: replicasText(d),
      restarts: String(d.restart_count),
      image: d.image,
      age: formatAge(d.created_at, now),
    }));
}

export const GAP = 2;

/** The columns that fit: below 100 cells restarts go, below 80 the image, below 60 age and namespace. */
export function columnsFor(width: number): Column[] {
  const drop = new Set<Column>();
  if (width < 100) drop.add('restarts');
  if (width < 80) drop.add('image');
  if (width < 60) { drop.add('age'); drop.add('namespace'); }
  return COLUMNS.filter((c) => !drop.has(c));
}

/**
 * Column widths for a terminal `width` wide: each column as wide as its longest cell (within a
 * cap), the image column taking what is left; when too narrow, namespace, name and image shrink.
 * Columns not in `shown` get width 0.
 */
export function layout(rows: readonly Row[], width: number, shown: readonly Column[] = columnsFor(width)): Record<Column, number> {
  const natural = (c: Column, cap: number) => (shown.includes(c) ? Math.min(cap, Math.max(HEADERS[c].length, ...rows.map((r) => [...r[c]].length))) : 0);
  const w: Record<Column, number> = {
    namespace: natural('namespace', 32),
    name: natural('name', 32),
    status: natural('status', 19),
    replicas: natural('replicas', 9),
    restarts: natural('restarts', 8),
    image: 0,
    age: natural('age', 5),
  };
  const fixed = () => shown.reduce((sum, c) => sum + (c === 'image' ? 0 : w[c]), 0) + GAP * (shown.length - 1);
  const minImage = shown.includes('image') ? 10 : 0;
  for (const c of ['namespace', 'name'] as const) {
    if (!shown.includes(c)) continue;
    const over = fixed() + minImage - width;
    if (over > 0) w[c] = Math.max(Math.min(HEADERS[c].length, 4), w[c] - over);
  }
  if (shown.includes('image')) w.image = Math.max(minImage, Math.min(natural('image', 60), width - fixed()));
  return w;
}

/** Cut to `width` with an ellipsis, padded to exactly `width`. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

/** The slice of `count` rows to show so that `selected` stays visible. */
export function windowOf(count: number, selected: number, height: number): { start: number; end: number } {
  if (height <= 0) return { start: 0, end: 0 };
  if (count <= height) return { start: 0, end: count };
  const start = Math.min(Math.max(0, selected - Math.floor(height / 2)), count - height);
  return { start, end: start + height };
}

/** `HH:MM:SS` of an event timestamp (UTC), or the raw text when it does not parse. */
export function eventTime(ts: string): string {
  const t = parseTimestamp(ts);
  return Number.isNaN(t) ? ts : new Date(t).toISOString().slice(11, 19);
}
