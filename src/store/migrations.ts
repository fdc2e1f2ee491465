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
];
