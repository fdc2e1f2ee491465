// Unique test namespaces and the removal of exactly what ring made for them in Docker.
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';

export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Containers ring created for these namespaces (by its namespace label), running or not. */
export async function containersOf(namespaces: string[], docker = new Docker()): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: ['ring.namespace'] } });
  return all.filter((c) => namespaces.includes(c.Labels['ring.namespace'] ?? ''));
}

/** Call after the server stopped (its reconciler would recreate what is removed). */
export async function removeNamespaceArtifacts(namespaces: string[], docker = new Docker()): Promise<void> {
  for (const c of await containersOf(namespaces, docker)) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const ns of namespaces) await docker.getNetwork(`ring_${ns}`).remove().catch(() => undefined);
}
