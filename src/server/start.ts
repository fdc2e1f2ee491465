// `ring server start`: secret key → database (migrations, seed) → runtimes → API → reconciler.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type RingConfig } from '../config.js';
import { parseSecretKey } from '../domain/secret-key.js';
import { createLogger, type Logger } from '../logger.js';
import { openDatabase, createStore } from '../store/index.js';
import { createApiServer } from '../api/server.js';
import { handlers } from '../api/routes.js';
import type { Services } from '../api/context.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import { createRuntimes } from '../runtime/index.js';
import { Reconciler } from '../reconciler/loop.js';
import { InstanceCache } from './instance-cache.js';

export const VERSION = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).version as string;

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export async function startServer(opts: { config?: RingConfig; log?: Logger; env?: NodeJS.ProcessEnv } = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig({ env });
  const log = opts.log ?? createLogger(config.logLevel);
  for (const w of config.warnings) log.warn(w);

  const key = parseSecretKey(env.RING_SECRET_KEY);
  if (!key.ok) throw new StartupError(key.reason);

  const db = openDatabase(config.databasePath);
  const store = createStore(db);
  const { seedAdmin } = await import('./seed.js');
  await seedAdmin(store, log);

  const runtimes: Map<string, Runtime> = await createRuntimes(config, log);
  if (runtimes.size === 0) throw new StartupError('no container runtime is reachable (is the Docker daemon running? try `ring doctor`)');

  const cache = new InstanceCache(runtimes, 300);
  const reconciler = new Reconciler({
    store,
    runtimes,
    intervalMs: config.schedulerIntervalMs,
    applyTimeoutMs: config.applyTimeoutMs,
    logger: log,
    onObserved: (instances: Instance[]) => cache.prime(instances),
  });
  const services: Services = {
    store, config, log, runtimes,
    specText: readFileSync(fileURLToPath(new URL('../../../openapi.yaml', import.meta.url)), 'utf8'),
    wake: (id) => { cache.invalidate(); reconciler.wake(id); },
    instancesOf: (id) => cache.of(id),
    startedAt: Date.now(),
  };
  const api = await createApiServer({ host: config.current.host, port: config.current.port, services, handlers });
  try {
    await api.start();
  } catch (e) {
    db.close();
    throw new StartupError(`cannot listen on ${config.current.host}:${config.current.port}: ${(e as Error).message}`);
  }
  reconciler.start();
  const url = `${config.current.scheme}://${config.current.host}:${api.info.port}`;
  log.info({ url, runtimes: [...runtimes.keys()].sort(), db: config.databasePath, interval_s: config.schedulerIntervalMs / 1000 }, 'ring server started');

  return {
    url,
    async stop() {
      await api.stop({ timeout: 5000 });
      log.info('API server shut down gracefully');
      await reconciler.stop();
      db.close();
      log.info('ring server stopped');
    },
  };
}

export class StartupError extends Error {
  override name = 'StartupError';
}
