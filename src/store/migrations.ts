// Numbered schema migrations, applied in order inside one transaction at every start.
// Append only: a shipped migration is never edited.
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE user (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT,
        status TEXT NOT NULL DEFAULT 'active',
        role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'operator', 'viewer')),
        username TEXT NOT NULL UNIQUE,
        password TEXT NOT NULL,
        login_at TEXT
      );
      CREATE TABLE token (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        token_prefix TEXT NOT NULL,
        scopes TEXT NOT NULL DEFAULT '[]',
        namespaces TEXT NOT NULL DEFAULT '[]',
        kind TEXT NOT NULL DEFAULT 'pat' CHECK (kind IN ('pat', 'session')),
        created_at TEXT NOT NULL,
        expire_at TEXT,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX token_user ON token(user_id);
      CREATE TABLE namespace (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL UNIQUE
      );
      CREATE TABLE deployment (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        runtime TEXT NOT NULL,
        kind TEXT NOT NULL,
        image TEXT NOT NULL,
        replicas INTEGER NOT NULL,
        restart_count INTEGER NOT NULL DEFAULT 0,
        spec TEXT NOT NULL,
        parent_id TEXT,
        image_digest TEXT,
        seq INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX deployment_active_name ON deployment(namespace, name)
        WHERE status <> 'deleted' AND parent_id IS NULL;
      CREATE INDEX deployment_status ON deployment(status);
      CREATE TABLE deployment_event (
        id TEXT PRIMARY KEY,
        deployment_id TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL,
        component TEXT NOT NULL,
        reason TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      CREATE INDEX deployment_event_dep ON deployment_event(deployment_id, seq);
      CREATE TABLE health_check (
        id TEXT PRIMARY KEY,
        deployment_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        check_index INTEGER NOT NULL,
        check_type TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      CREATE INDEX health_check_dep ON health_check(deployment_id, seq);
    `,
  },
  {
    version: 2,
    name: 'secrets, configs, volumes',
    sql: `
      CREATE TABLE secret (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT '',
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        value BLOB NOT NULL,
        UNIQUE (namespace, name)
      );
      CREATE TABLE config (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT '',
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        data TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '',
        UNIQUE (namespace, name)
      );
      CREATE TABLE volumes (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT '',
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        size TEXT,
        backend_type TEXT NOT NULL,
        host_path TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        UNIQUE (namespace, name)
      );
    `,
  },
  {
    version: 3,
    name: 'webhooks and their outbound queue',
    sql: `
      CREATE TABLE webhook (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL DEFAULT '[]',
        revoked_at TEXT,
        seq INTEGER NOT NULL
      );
      -- The queue (RING's events table): one row per published event; status sums up its deliveries.
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        deployment_id TEXT,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        seq INTEGER NOT NULL
      );
      CREATE INDEX events_status ON events(status, updated_at);
      -- One row per (event, subscriber): a retry goes only to subscribers that have not had it.
      -- stream + seq order deliveries per deployment and subscriber.
      CREATE TABLE webhook_delivery (
        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        webhook_id TEXT NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
        stream TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (event_id, webhook_id)
      );
      CREATE INDEX webhook_delivery_due ON webhook_delivery(status, next_attempt_at);
      CREATE INDEX webhook_delivery_stream ON webhook_delivery(webhook_id, stream, seq) WHERE status = 'pending';
      CREATE INDEX webhook_delivery_webhook ON webhook_delivery(webhook_id, seq);
    `,
  },
  {
    version: 4,
    name: 'audit log',
    // Who created, changed or deleted what. user_id is not a foreign key: the trail outlives the user,
    // and username keeps the name they had when they acted.
    sql: `
      CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        timestamp TEXT NOT NULL,
        user_id TEXT,
        username TEXT,
        action TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_name TEXT NOT NULL,
        namespace TEXT,
        seq INTEGER NOT NULL
      );
      CREATE INDEX audit_log_namespace ON audit_log(namespace, seq);
    `,
  },
  {
    version: 5,
    name: 'autoscaler target',
    // The autoscaler's replica target (RING §5.10): NULL until it first decides; replicas stays the spec's.
    sql: `ALTER TABLE deployment ADD COLUMN desired_replicas INTEGER;`,
  },
  {
    version: 6,
    name: 'read-path indexes',
    // Lists read deployments in seq order (the reconciler every pass, GET /deployments), secrets and
    // volumes look up a namespace's deployments, and health-check retention deletes by age: each
    // gets an index instead of a scan and sort of the whole table.
    sql: `
      CREATE INDEX deployment_seq ON deployment(seq);
      CREATE INDEX deployment_namespace ON deployment(namespace, seq);
      CREATE INDEX health_check_created ON health_check(created_at);
    `,
  },
  {
    version: 7,
    name: 'server identity',
    // Who this database is, as labels on what it creates in a runtime shared with other ring servers
    // (staging and CI on one Docker host): each server lists and cleans up only its own objects.
    // Made here rather than in code, so a database upgraded in place gets one exactly once.
    sql: `
      CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO server_meta (key, value) VALUES ('server_id', lower(hex(randomblob(8))));
    `,
  },
];
