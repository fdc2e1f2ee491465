// What every scenario receives: the mode, the rows it reports, notes, and Docker clients.
import Docker from 'dockerode';
import type { Row } from './report.js';
import type { DockerCli } from './util.js';

export interface BenchContext {
  quick: boolean;
  /** Unique per run: names and namespaces of everything the bench creates start with it. */
  prefix: string;
  rows: Row[];
  notes: string[];
  log(line: string): void;
  /** The daemon every scenario runs on (the private one, bench/support/daemon.ts): API and CLI. */
  docker: Docker;
  cli: DockerCli;
  /** Its DOCKER_HOST (unix://…). */
  host: string;
  /** Whether that is the bench's private daemon (false: the shared one, as a fallback). */
  private: boolean;
}

export function dockerApi(host?: string): Docker {
  return new Docker(host ? { socketPath: host.replace(/^unix:\/\//, '') } : { socketPath: '/var/run/docker.sock' });
}

/** Running container ids with these labels, through the API (a CLI call costs ~50 ms here). */
export async function runningWith(docker: Docker, labels: string[]): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: labels, status: ['running'] } });
  return list.map((c) => c.Id);
}

export async function allWith(docker: Docker, labels: string[]): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: labels } });
  return list.map((c) => c.Id);
}

/**
 * Removes containers (force, with their anonymous volumes) through the API, `inFlight` at a time:
 * teardown between scenarios, outside every measured window. A removal costs ~0.2–0.5 s here
 * (kill, shim exit, network sandbox, unmount), minutes for the scale runs' hundreds; 8 DELETEs
 * one after another took 3.6 s, 8 concurrent ones 2.5 s (one sample, loaded host): the daemon
 * overlaps part of it, not all.
 */
export async function removeContainers(docker: Docker, ids: string[], inFlight = 6): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, ids.length) }, async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    }
  }));
}
