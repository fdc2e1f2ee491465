import type { InstanceSpec } from '../runtime.js';

/**
 * list() finds ring's containers by this label, so it is one a user must never be able to set:
 * it is applied last, over the user's labels.
 */
export const DEPLOYMENT_LABEL = 'ring_deployment';
/**
 * The id of the ring server (its database) that created the container. Several servers may share
 * one daemon; each lists, adopts and watches only containers carrying its own id (or none, see
 * ownership.ts). Applied last too: a user label must not hand a container to another server.
 */
export const SERVER_LABEL = 'ring.server';
/**
 * Marks networks and volumes ring created, so an operator can tell them from their own. They carry
 * no server id: both are named by the user (`ring_<namespace>`, the volume's name), so servers
 * using the same name share one object, and ring never removes either.
 */
export const MANAGED_LABEL = 'ring.managed';
/** Lets list() pick the instance address on the namespace network without parsing the name. */
export const NAMESPACE_LABEL = 'ring.namespace';
/** Host directory holding the instance's config/secret files; remove() reads it back, even after a restart. */
export const FILES_DIR_LABEL = 'ring.files_dir';

export function containerLabels(spec: InstanceSpec, filesDir: string | null, serverId?: string): Record<string, string> {
  const labels: Record<string, string> = { ...spec.labels };
  // A user-supplied files-dir label would make remove() treat that path as ours.
  delete labels[FILES_DIR_LABEL];
  delete labels[SERVER_LABEL];
  if (filesDir !== null) labels[FILES_DIR_LABEL] = filesDir;
  if (serverId !== undefined) labels[SERVER_LABEL] = serverId;
  labels[NAMESPACE_LABEL] = spec.namespace;
  labels[DEPLOYMENT_LABEL] = spec.deploymentId;
  return labels;
}
