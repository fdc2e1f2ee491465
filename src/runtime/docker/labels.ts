import type { InstanceSpec } from '../runtime.js';

/**
 * list() finds ring's containers by this label alone, so it is the one label a user must never
 * be able to set: it is applied last, over the user's labels.
 */
export const DEPLOYMENT_LABEL = 'ring_deployment';
/** Marks networks and volumes ring created, so an operator can tell them from their own. */
export const MANAGED_LABEL = 'ring.managed';
/** Lets list() pick the instance address on the namespace network without parsing the name. */
export const NAMESPACE_LABEL = 'ring.namespace';
/** Host directory holding the instance's config/secret files; remove() reads it back, even after a restart. */
export const FILES_DIR_LABEL = 'ring.files_dir';

export function containerLabels(spec: InstanceSpec, filesDir: string | null): Record<string, string> {
  const labels: Record<string, string> = { ...spec.labels };
  // A user-supplied files-dir label would make remove() treat that path as ours.
  delete labels[FILES_DIR_LABEL];
  if (filesDir !== null) labels[FILES_DIR_LABEL] = filesDir;
  labels[NAMESPACE_LABEL] = spec.namespace;
  labels[DEPLOYMENT_LABEL] = spec.deploymentId;
  return labels;
}
