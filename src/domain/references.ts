// Which deployments use a secret or a named volume by name. Deleting one of those out from under
// a deployment breaks its next container, so the API refuses (409) unless asked to force.
import type { Deployment } from './deployment.js';

/** Environment secretRefs, `type: secret` volumes and `config.image_pull_secret`. */
export function usesSecret(d: Deployment, name: string): boolean {
  if (d.config?.image_pull_secret === name) return true;
  if (Object.values(d.environment ?? {}).some((e) => typeof e === 'object' && e !== null && e.secretRef === name)) return true;
  return (d.volumes ?? []).some((v) => v.type === 'secret' && v.source === name);
}

export function usesVolume(d: Deployment, name: string): boolean {
  return (d.volumes ?? []).some((v) => v.type === 'volume' && v.source === name);
}

/** `ns/name` of each live deployment matching, once per name (a rolling child shares its parent's name). */
export function referencingDeployments(deployments: readonly Deployment[], uses: (d: Deployment) => boolean): string[] {
  const names = deployments.filter((d) => d.status !== 'deleted' && uses(d)).map((d) => `${d.namespace}/${d.name}`);
  return [...new Set(names)];
}
