// Builds the name → runtime map at startup from config; unreachable runtimes are skipped with a warning.
import type { RingConfig } from '../config.js';
import type { Runtime } from './runtime.js';
import { createDockerRuntime } from './docker/index.js';

interface Log { info(o: object | string, m?: string): void; warn(o: object | string, m?: string): void }

export async function createRuntimes(config: RingConfig, log: Log): Promise<Map<string, Runtime>> {
  const map = new Map<string, Runtime>();
  if (config.docker.enabled) {
    const docker = createDockerRuntime(config.docker.host);
    try {
      await docker.ping();
      map.set('docker', docker);
    } catch (e) {
      log.warn({ host: config.docker.host, err: (e as Error).message }, 'Docker is not reachable: the docker runtime is disabled');
    }
  }
  return map;
}
