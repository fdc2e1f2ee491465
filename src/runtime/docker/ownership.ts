// Which ring containers on a shared Docker daemon are this server's. Deployment ids are random
// UUIDs, so servers with different databases never claim each other's rows; the server label is
// what keeps them apart anyway (a restored or copied database, fixture ids, a future cleanup
// sweep) and saves each server inspecting and watching every other server's containers.
import { SERVER_LABEL } from './labels.js';

export type Ownership =
  /** Carries this server's id. */
  | 'own'
  /**
   * Carries no server id: made before server ids existed (a server upgraded in place must keep
   * adopting them, by deployment id as before), or by hand with only `ring_deployment`.
   */
  | 'unlabelled'
  /** Carries another server's id: never listed, adopted, removed or watched. */
  | 'foreign';

/** `serverId` undefined = a runtime bound to no server (a test harness, `ring doctor`): all its own. */
export function ownership(labels: Readonly<Record<string, string>> | undefined, serverId: string | undefined): Ownership {
  const owner = labels?.[SERVER_LABEL];
  if (owner === undefined || owner === '') return 'unlabelled';
  if (serverId === undefined || owner === serverId) return 'own';
  return 'foreign';
}

export function isVisibleTo(labels: Readonly<Record<string, string>> | undefined, serverId: string | undefined): boolean {
  return ownership(labels, serverId) !== 'foreign';
}
