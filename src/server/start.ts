// `ring server start`: secret key → database (migrations, seed) → runtimes → API → reconciler.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, ringConfigDirNotice, type RingConfig } from '../config.js';
import { parseSecretKey } from '../domain/secret-key.js';
import { createLogger, type ServerLogger as Logger } from '../logger.js';
import { openDatabase, createStore } from '../store/index.js';
import type { Db } from '../store/db.js';
import { storageFault } from '../store/storage-fault.js';
import { createApiServer } from '../api/server.js';
import { handlers } from '../api/routes.js';
import { closeFeed } from '../api/deployment-feed.js';
import type { Services } from '../api/context.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import { createRuntimeSet, stopRuntimes } from '../runtime/index.js';
import { Reconciler } from '../reconciler/loop.js';
import { InstanceCache } from './instance-cache.js';
import { SecretBox } from '../domain/secret-box.js';
import { storeResolvers } from './resolvers.js';
import { WebhookDispatcher, type DispatcherOptions } from '../webhooks/dispatcher.js';
import { RuntimeStatsCache } from '../metrics/runtime-stats.js';
import { createSwarmBackend } from './swarm.js';
import { Autoscaler } from '../autoscaler/autoscaler.js';
import { startTelemetry, type Telemetry } from '../telemetry/start.js';
import { collectSnapshot } from '../metrics/exposition.js';

export const VERSION = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).version as string;

export interface RunningServer {
  url: string;
  /** The runtimes that started (for the banner), sorted. */
  runtimes: string[];
  stop(): Promise<void>;
}

/** Delivery timings a test may shorten (the defaults are Ring's: minutes of backoff, 8 attempts, 10 s). */
export type WebhookTimings = Partial<Pick<DispatcherOptions, 'backoffMs' | 'maxAttempts' | 'timeoutMs'>>;

export async function startServer(
  opts: { config?: RingConfig; log?: Logger; env?: NodeJS.ProcessEnv; webhooks?: WebhookTimings } = {},
): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ env });
  const log = opts.log ?? createLogger(config.logLevel);
  for (const w of config.warnings) log.warn(w);
  const ringDir = ringConfigDirNotice(env);
  if (ringDir) log.info(ringDir);

  const key = parseSecretKey(env.RING_SECRET_KEY);
  if (!key.ok) throw new StartupError(key.reason);
  if (config.telemetry.errors.length > 0) throw new StartupError(`invalid telemetry configuration: ${config.telemetry.errors.join('; ')}`);
  for (const w of config.telemetry.warnings) log.warn(w);
  // Before anything else logs, so the log export carries the start-up lines too.
  const telemetry = await startTelemetry(config.telemetry.settings, { log, version: VERSION });
  try {
    return await run({ opts, env, config, log, key: key.key, telemetry });
  } catch (e) {
    await telemetry.shutdown();
    throw e;
  }
}

/** Everything after the checks, with telemetry already exporting (and shut down by the caller on a failure). */
async function run(
  { opts, env, config, log, key, telemetry }:
  { opts: { webhooks?: WebhookTimings }; env: NodeJS.ProcessEnv; config: RingConfig; log: Logger; key: Buffer; telemetry: Telemetry },
): Promise<RunningServer> {
  const { db, store } = await openStore(config.databasePath, log);
  const secretBox = new SecretBox(key);

  const runtimeSet = await createRuntimeSet(config, log, env, store.server.id());
  const runtimes: Map<string, Runtime> = runtimeSet.available;
  const resolvers = storeResolvers(store, secretBox);
  const swarm = await createSwarmBackend({ config, store, log, ...resolvers, hooks: {} });
  if (runtimes.size === 0 && !swarm) {
    const why = [...runtimeSet.unavailable].map(([name, reason]) => `${name}: ${reason}`).join('; ');
    throw new StartupError(`no runtime is available (${why}); try \`ring doctor\``);
  }

  const cache = new InstanceCache(runtimes, 300);
  const reconciler = new Reconciler({
    store,
    runtimes,
    intervalMs: config.schedulerIntervalMs,
    applyTimeoutMs: config.applyTimeoutMs,
    rolloutDeadlineMs: config.rolloutDeadlineMs,
    unavailableRuntimes: runtimeSet.unavailable,
    logger: log,
    ...storeResolvers(store, secretBox),
    onObserved: (instances: Instance[]) => cache.prime(instances),
  });
  const webhooks = new WebhookDispatcher({
    store, policy: config.webhooks, userAgent: `ring/${VERSION}`, logger: log, pollMs: config.schedulerIntervalMs, ...opts.webhooks,
  });
  const runtimeStats = new RuntimeStatsCache({
    store, runtimes, instancesOf: (id) => cache.of(id), intervalMs: config.schedulerIntervalMs, logger: log,
  });
  const services: Services = {
    store, config, log, runtimes,
    specText: readFileSync(fileURLToPath(new URL('../../../openapi.yaml', import.meta.url)), 'utf8'),
    secretBox,
    wake: (id) => { cache.invalidate(); reconciler.wake(id); swarm?.controller.wake(); },
    instancesOf: (id) => cache.of(id),
    instancesLookup: () => cache.lookup(),
    startedAt: Date.now(),
    runtimeStats,
    ...(swarm ? { swarm } : {}),
  };
  const api = await createApiServer({ host: config.current.host, port: config.current.port, services, handlers });
  telemetry.instrumentHttp(api);
  telemetry.observe({ snapshot: () => collectSnapshot(store, runtimeStats.snapshot()), passes: () => reconciler.passes });
  try {
    await api.start();
  } catch (e) {
    db.close();
    throw new StartupError(`cannot listen on ${config.current.host}:${config.current.port}: ${(e as Error).message}`);
  }
  webhooks.start();
  runtimeStats.start();
  reconciler.start();
  swarm?.controller.start();
  const autoscaler = new Autoscaler({ store, stats: runtimeStats, wake: services.wake, intervalMs: config.schedulerIntervalMs, logger: log });
  autoscaler.start();
  const url = `${config.current.scheme}://${config.current.host}:${api.info.port}`;
  log.info({ url, runtimes: [...runtimes.keys()].sort(), db: config.databasePath, server_id: store.server.id(), interval_s: config.schedulerIntervalMs / 1000 }, 'ring server started');

  // Graceful shutdown (RING.md "Shutdown"): first nothing new (no connections, ticks, wakes, polls),
  // then the work in flight ends (requests drain, streams end, passes and applies finish or are cut
  // at the reconciler's grace, deliveries abort and stay pending), and only then ring.db closes:
  // nothing this server started may touch it after that. Workloads keep running. Idempotent.
  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    const draining = api.stop({ timeout: 5000 });
    // The watch streams never end by themselves: ended here, so the drain need not wait out its timeout.
    const feedClosed = closeFeed(services);
    await draining;
    await feedClosed;
    log.info('API server shut down gracefully');
    autoscaler.stop();
    await reconciler.stop();
    await swarm?.controller.stop();
    await webhooks.stop();
    await runtimeStats.stop();
    stopRuntimes(runtimes);
    db.close();
    log.info('ring server stopped');
    await telemetry.shutdown();
  };

  return {
    url,
    runtimes: [...runtimes.keys()].sort(),
    stop: () => (stopping ??= stop()),
  };
}

/**
 * ring.db opened, migrated and seeded, or one StartupError that says what is wrong with it (a
 * read-only or full directory, a damaged file) instead of a stack trace.
 */
async function openStore(path: string, log: Logger): Promise<{ db: Db; store: ReturnType<typeof createStore> }> {
  let db: Db | undefined;
  try {
    db = openDatabase(path);
    const store = createStore(db);
    const { seedAdmin } = await import('./seed.js');
    await seedAdmin(store, log);
    // A row this version cannot handle (hand-edited, or written before today's limits) must not take the server down.
    const unloadable = store.deployments.quarantineUnloadable();
    if (unloadable > 0) log.warn({ deployments: unloadable }, 'stored deployments that cannot be loaded were marked error (see their events)');
    return { db, store };
  } catch (e) {
    try { db?.close(); } catch { /* closing a broken handle */ }
    const fault = storageFault(e, path);
    throw new StartupError(fault ? fault.message : `cannot open the database ${path}: ${(e as Error).message ?? String(e)}`);
  }
}

export class StartupError extends Error {
  override name = 'StartupError';
}
