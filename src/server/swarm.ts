// Wires the Swarm backend (src/swarm/) into the server: its state port over the store's one write
// path, and the log reader the API uses for `runtime: swarm` deployments.
import type { RingConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import { writeDeployment, type DeploymentEventHook, type StatusChangeHook } from '../reconciler/write.js';
import { SwarmController } from '../swarm/controller.js';
import { SwarmEngine, serviceLogLines } from '../swarm/engine.js';
import type { LogLine } from '../runtime/runtime.js';
import type { Deployment } from '../domain/deployment.js';
import { serviceName } from '../swarm/spec.js';

export interface SwarmBackend {
  controller: SwarmController;
  logs(d: Deployment, opts: { tail: number; sinceSeconds?: number }): Promise<LogLine[]>;
}

export async function createSwarmBackend(opts: {
  config: RingConfig; store: Store; log: Logger;
  resolveSecret(ns: string, name: string): string | undefined;
  resolveConfig(ns: string, name: string): Record<string, string> | undefined;
  hooks: { onStatusChange?: StatusChangeHook; onDeploymentEvent?: DeploymentEventHook };
}): Promise<SwarmBackend | undefined> {
  const { config, store, log } = opts;
  if (!config.swarm.enabled) return undefined;
  const engine = new SwarmEngine(config.swarm.host, store.server.id());
  try {
    const problem = await engine.managerProblem();
    if (problem) log.warn({ host: config.swarm.host }, `swarm backend: ${problem}; swarm deployments report the error until it is fixed`);
    else log.info({ host: config.swarm.host, ipvs: SwarmEngine.hostHasIpvs(), endpoint_mode: config.swarm.endpointMode }, 'swarm backend enabled');
  } catch (e) {
    log.warn({ host: config.swarm.host, error: (e as Error).message }, 'swarm backend: manager unreachable; swarm deployments report the error until it answers');
  }
  const controller = new SwarmController({
    engine,
    logger: log,
    intervalMs: config.schedulerIntervalMs,
    rolloutDeadlineMs: config.rolloutDeadlineMs,
    endpointMode: config.swarm.endpointMode,
    state: {
      rows: () => store.deployments.list({}).filter((d) => d.runtime === 'swarm'),
      record: (id, change) => {
        // The status change's own event (and webhook) comes from the write path: only the others are noted here.
        writeDeployment(store, id, {
          ...(change.status !== undefined ? { status: change.status } : {}),
          ...(change.restartCount !== undefined ? { restartCount: change.restartCount } : {}),
          changes: change.events.filter((e) => e.reason !== 'state_transition').map((event) => ({ kind: 'noted' as const, event })),
        }, { logger: log, ...opts.hooks });
      },
      purge: (id) => store.deployments.purge(id),
      resolveSecret: opts.resolveSecret,
      resolveConfig: opts.resolveConfig,
    },
  });
  return {
    controller,
    async logs(d, o) {
      const services = await engine.listServices();
      const svc = services.find((s) => (s as { Spec?: { Name?: string } }).Spec?.Name === serviceName(d.namespace, d.name));
      if (!svc) return [];
      const text = await engine.serviceLogs((svc as { ID: string }).ID, { tail: o.tail, ...(o.sinceSeconds !== undefined ? { since: o.sinceSeconds } : {}) });
      return serviceLogLines(text, serviceName(d.namespace, d.name));
    },
  };
}
