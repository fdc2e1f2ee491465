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
import { changesRepo } from './changes.js';
import { auditRepo } from './audit.js';
import { serverIdentityRepo } from './server-identity.js';
import { guardConflicts } from './conflict.js';

export function createStore(db: Db) {
  // Before any repository prepares a statement: each one then throws ConflictError, not SQLite's text.
  guardConflicts(db);
  const events = eventsRepo(db);
  const webhooks = webhooksRepo(db);
  const outbox = outboxRepo(db);
  return {
    db,
    users: usersRepo(db),
    tokens: tokensRepo(db),
    namespaces: namespacesRepo(db),
    deployments: deploymentsRepo(db),
    events,
    healthChecks: healthChecksRepo(db),
    secrets: secretsRepo(db),
    configs: configsRepo(db),
    volumes: volumesRepo(db),
    webhooks,
    outbox,
    /** The one write path of deployment events and webhook events: store.changes.record(). */
    changes: changesRepo(db, { events, outbox, webhooks }),
    inventory: inventoryRepo(db),
    audit: auditRepo(db),
    /** This database's id, labelled on what it creates in shared runtimes. */
    server: serverIdentityRepo(db),
    /** Runs fn atomically: a state change and the events it causes land together or not at all. */
    tx<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  };
}
export type Store = ReturnType<typeof createStore>;
export { openDatabase, migrate } from './db.js';
export { ConflictError, conflictOf } from './conflict.js';
export { onWebhookQueued } from './changes.js';
