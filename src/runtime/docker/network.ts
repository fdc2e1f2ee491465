import type Docker from 'dockerode';
import { RuntimeError } from '../runtime.js';
import { dockerMessage, dockerStatus, isNotFound } from './errors.js';
import { MANAGED_LABEL } from './labels.js';

export function networkName(namespace: string): string {
  return `ring_${namespace}`;
}

/** One network that answers to a name, as `GET /networks` lists it. */
export interface NamedNetwork {
  id: string;
  /** RFC 3339, as Docker reports it. */
  created: string;
  managed: boolean;
}

/**
 * Docker's duplicate check is not atomic: two ring servers creating `ring_<ns>` at the same moment
 * both get a network of that name, and from then on every use of the name is refused as ambiguous.
 * Every server that meets duplicates makes the same choice, so they converge on one: keep the
 * oldest (ties by id), remove the other ones ring made. A duplicate someone attached a container
 * to is refused by Docker and stays; an operator's network is never removed.
 */
export function resolveDuplicateNetworks(matches: readonly NamedNetwork[]): { keep: string | null; remove: string[] } {
  if (matches.length === 0) return { keep: null, remove: [] };
  const ordered = [...matches].sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const keep = ordered[0]!.id;
  return { keep, remove: ordered.slice(1).filter((n) => n.managed).map((n) => n.id) };
}

/**
 * Creates `ring_<namespace>` on first use. Not cached across calls: an operator (or a test) may
 * delete the network at any time, and one inspect per create is cheap. Concurrent callers in this
 * process share one attempt; another process racing us shows up as a 409 (success) or as a second
 * network of the same name, which dedupe() removes.
 */
export class NetworkProvisioner {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly docker: Docker) {}

  ensure(namespace: string): Promise<string> {
    const name = networkName(namespace);
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.create(name).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  private async create(name: string): Promise<string> {
    try {
      await this.docker.getNetwork(name).inspect();
      return name;
    } catch (err) {
      // Anything but "no such network" may be the ambiguity of a duplicate: look before failing.
      if (!isNotFound(err)) {
        if (await this.dedupe(name)) return name;
        throw failed(name, err);
      }
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [MANAGED_LABEL]: 'true' },
      });
    } catch (err) {
      if (dockerStatus(err) !== 409) throw failed(name, err);
    }
    // Right after a create is when a racing server's duplicate can exist.
    await this.dedupe(name);
    return name;
  }

  /** Removes ring-made duplicates of `name`; true when exactly one network answers to it afterwards. */
  private async dedupe(name: string): Promise<boolean> {
    let matches: NamedNetwork[];
    try {
      // Docker's name filter matches substrings: keep the exact name only.
      const listed = await this.docker.listNetworks({ filters: { name: [name] } });
      matches = listed.filter((n) => n.Name === name)
        .map((n) => ({ id: n.Id, created: n.Created ?? '', managed: n.Labels?.[MANAGED_LABEL] === 'true' }));
    } catch {
      return false;
    }
    const { keep, remove } = resolveDuplicateNetworks(matches);
    let left = matches.length;
    for (const id of remove) {
      try {
        await this.docker.getNetwork(id).remove();
        left--;
      } catch (err) {
        // Already gone (the other server removed it too) counts as removed; in use does not.
        if (isNotFound(err)) left--;
      }
    }
    return keep !== null && left === 1;
  }
}

function failed(name: string, err: unknown): RuntimeError {
  return new RuntimeError('network_creation_failed', `Failed to create network '${name}': ${dockerMessage(err)}`, { cause: err });
}
