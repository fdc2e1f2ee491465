import type Docker from 'dockerode';
import { RuntimeError } from '../runtime.js';
import { dockerMessage, dockerStatus, isNotFound } from './errors.js';
import { MANAGED_LABEL } from './labels.js';

export function networkName(namespace: string): string {
  return `ring_${namespace}`;
}

/**
 * Creates `ring_<namespace>` on first use. Not cached across calls: an operator (or a test) may
 * delete the network at any time, and one inspect per create is cheap. Concurrent callers in this
 * process share one attempt; another process racing us shows up as a 409, which is success.
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
      if (!isNotFound(err)) throw failed(name, err);
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
    return name;
  }
}

function failed(name: string, err: unknown): RuntimeError {
  return new RuntimeError('network_creation_failed', `Failed to create network '${name}': ${dockerMessage(err)}`, { cause: err });
}
