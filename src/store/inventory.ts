// Row counts behind GET /metrics (RING.md §10): a handful of indexed COUNT/GROUP BY queries per scrape.
import type { Db } from './db.js';

export interface Inventory {
  deploymentsByStatus: Record<string, number>;
  deploymentsByRuntime: Record<string, number>;
  /** (namespace, status) pairs with at least one deployment, for the given statuses. */
  byNamespaceAndStatus: { namespace: string; status: string; count: number }[];
  namespaces: number;
  secrets: number;
  volumes: number;
  users: number;
  webhooks: number;
  configs: number;
  eventsByStatus: Record<string, number>;
  healthChecksByStatus: Record<string, number>;
}

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
      const byNamespaceAndStatus = unhealthyStatuses.length === 0 ? [] : db.prepare(
        `SELECT namespace, status, COUNT(*) AS count FROM deployment WHERE status IN (${unhealthyStatuses.map(() => '?').join(',')})
         GROUP BY namespace, status ORDER BY namespace, status`).all(...unhealthyStatuses) as Inventory['byNamespaceAndStatus'];
      return {
        deploymentsByStatus: grouped('deployment', 'status'),
        deploymentsByRuntime: grouped('deployment', 'runtime'),
        byNamespaceAndStatus,
        namespaces: count(TABLES.namespaces),
        secrets: count(TABLES.secrets),
        volumes: count(TABLES.volumes),
        users: count(TABLES.users),
        webhooks: count(TABLES.webhooks),
        configs: count(TABLES.configs),
        eventsByStatus: grouped('events', 'status'),
        healthChecksByStatus: grouped('health_check', 'status'),
      };
    },
  };
}
