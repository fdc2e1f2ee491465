// Every documented bound on what the API accepts. A value within these limits is one the server
// can store, load back and act on; anything larger is refused with a 422 naming the limit, so an
// accepted row can never be one the server cannot handle at start (a replicas of 1e21 once made the
// server unbootable). The README's "Limits" section and openapi.yaml carry the same numbers;
// test/unit/domain/limits.test.ts checks that openapi.yaml does not drift from them.

/** Request bodies: nesting depth of any JSON body, checked on the raw bytes before parsing. */
export const MAX_JSON_DEPTH = 32;
/** Request bodies: total JSON values (objects, arrays, scalars) in one body. */
export const MAX_JSON_NODES = 100_000;

export const LIMITS = {
  deployment: {
    /** Per deployment; also the bound of autoscale.min/max. */
    replicas: 1000,
    imageLength: 1024,
    commandArgs: 256,
    commandArgLength: 8192,
    environmentVariables: 512,
    environmentKeyLength: 256,
    environmentValueLength: 32 * 1024,
    labels: 64,
    labelKeyLength: 253,
    labelValueLength: 1024,
    ports: 64,
    volumes: 64,
    volumePathLength: 4096,
    /** Names of named volumes, secrets and configs a volume refers to, and config keys. */
    volumeNameLength: 253,
    healthChecks: 16,
    healthCheckUrlLength: 2048,
    healthCheckCommandLength: 4096,
    /** threshold: consecutive failures before on_failure acts. */
    healthCheckThreshold: 100,
    /** interval and timeout. */
    healthCheckPeriodMs: 3_600_000,
    /** min_healthy_time and start_period. */
    healthCheckWindowMs: 86_400_000,
    /** resources.*.cpu, in cores. */
    cpuCores: 1024,
    /** resources.*.memory: 16 TiB. */
    memoryBytes: 16 * 1024 ** 4,
    /** config.server / username / password / image_pull_secret. */
    registryFieldLength: 4096,
    /** config.user.id / group as strings. */
    userFieldLength: 256,
    /** config.user.id / group as numbers (a 32-bit uid/gid). */
    userIdMax: 4_294_967_295,
  },
  webhook: {
    urlLength: 2048,
    events: 64,
    eventLength: 128,
    secretLength: 1024,
  },
  token: {
    scopes: 64,
    namespaces: 256,
  },
  user: {
    /** Structural ceiling; the domain rule (2–50) gives the precise code. */
    usernameLength: 256,
    /** Structural ceiling; the domain rule (8–128) gives the precise code. */
    passwordLength: 1024,
  },
  volume: {
    labels: 64,
    labelKeyLength: 253,
    labelValueLength: 1024,
    sizeLength: 64,
  },
  /** Namespaces, names and ids in paths and queries: generous ceilings over the 63/253-character name rules. */
  nameLength: 1024,
} as const;
