// Row counts behind GET /metrics (RING.md §10): a handful of indexed COUNT/GROUP BY queries per scrape.
import type { components } from '../../generated/openapi.js';
import type { Db } from './db.js';

/**
 * The counted part of the contract's MetricsSnapshot (GET /metrics), as read from ring.db: raw
 * counts, only the keys present (exposition.ts adds the zeros and the totals).
 * `unhealthy_deployments_by_namespace` holds the (namespace, status) pairs of the given statuses.
 */
export type Inventory = Pick<components['schemas']['MetricsSnapshot'],
  'deployments_by_status' | 'deployments_by_runtime' | 'unhealthy_deployments_by_namespace' | 'namespaces' | 'secrets'
  | 'volumes' | 'users' | 'webhooks' | 'configs' | 'events_by_status' | 'health_checks_by_status'>;

// Fixed identifiers only (never input), so interpolating them is safe.
const TABLES = { namespaces: 'namespace', secrets: 'secret', volumes: 'volumes', users: 'user', webhooks: 'webhook', configs: 'config' } as const;

export function inventoryRepo(db: Db) {
  const grouped = (table: string, column: string): Record<string, number> => {
    const rows = db.prepare(`SELECT ${column} AS k, COUNT(*) AS n FROM ${table} GROUP BY ${column}`).all() as { k: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  };
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

  return {
    read(unhealthyStatuses: readonly string[]): Inventory {
      const unhealthy = unhealthyStatuses.length === 0 ? [] : db.prepare(
        `SELECT namespace, status, COUNT(*) AS count FROM deployment WHERE status IN (${unhealthyStatuses.map(() => '?').join(',')})
         GROUP BY namespace, status ORDER BY namespace, status`).all(...unhealthyStatuses) as Inventory['unhealthy_deployments_by_namespace'];
      return {
        deployments_by_status: grouped('deployment', 'status'),
        deployments_by_runtime: grouped('deployment', 'runtime'),
        unhealthy_deployments_by_namespace: unhealthy,
        namespaces: count(TABLES.namespaces),
        secrets: count(TABLES.secrets),
        volumes: count(TABLES.volumes),
        users: count(TABLES.users),
        webhooks: count(TABLES.webhooks),
        configs: count(TABLES.configs),
        events_by_status: grouped('events', 'status'),
        health_checks_by_status: grouped('health_check', 'status'),
      };
    },
  };
}
