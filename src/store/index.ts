// The store: every repository over one ring.db. All SQL of the project lives in this folder.
import type { Db } from './db.js';
import { usersRepo } from './users.js';
import { tokensRepo } from './tokens.js';
import { namespacesRepo } from './namespaces.js';
import { deploymentsRepo } from './deployments.js';
import { eventsRepo } from './events.js';
import { healthChecksRepo } from './health-checks.js';
import { secretsRepo } from './secrets.js';
import { configsRepo } from './configs.js';
import { volumesRepo } from './volumes.js';
import { webhooksRepo } from './webhooks.js';
import { outboxRepo } from './outbox.js';
import { inventoryRepo } from './inventory.js';
import { auditRepo } from './audit.js';
import { guardConflicts } from './conflict.js';

export function createStore(db: Db) {
  // Before any repository prepares a statement: each one then throws ConflictError, not SQLite's text.
  guardConflicts(db);
  return {
    db,
    users: usersRepo(db),
    tokens: tokensRepo(db),
    namespaces: namespacesRepo(db),
    deployments: deploymentsRepo(db),
    events: eventsRepo(db),
    healthChecks: healthChecksRepo(db),
    secrets: secretsRepo(db),
    configs: configsRepo(db),
    volumes: volumesRepo(db),
    webhooks: webhooksRepo(db),
    outbox: outboxRepo(db),
    inventory: inventoryRepo(db),
    audit: auditRepo(db),
    /** Runs fn atomically: a state change and the events it causes land together or not at all. */
    tx<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  };
}
export type Store = ReturnType<typeof createStore>;
export { openDatabase, migrate } from './db.js';
export { ConflictError, conflictOf } from './conflict.js';
