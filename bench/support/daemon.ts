// The private Docker daemon every benchmark runs on. The machine's shared daemon serves other
// people's tests (a benchmark there disturbs them, and their containers disturb the figures), and
// `docker swarm init` there would change it under everybody, so the bench runs its own dockerd,
// started by the tests' one launcher (test/helpers/private-dockerd.ts) with the bench's settings:
// a fixed directory (/tmp/ring-bench-dockerd: a run an interrupted one left behind is stopped
// first; every bench run holds /tmp/ring-bench.lock), address pool 10.214.0.0/16 in /22 networks,
// a default bridge, its own network namespace (created here, so its bridges and iptables rules
// never touch the host's) and a single-node Swarm; the test images are built straight into it from
// the host's static busybox (never read from the shared daemon). The bench then runs inside that
// namespace (bench/run.ts), so ring's http probes reach the containers' bridge addresses and
// 127.0.0.1 is the namespace's own.
import { ensureTestImages } from '../../test/helpers/images.js';
import { startPrivateDockerd } from '../../test/helpers/private-dockerd.js';
import { dockerApi } from './context.js';
import { DockerCli } from './util.js';

const ROOT = '/tmp/ring-bench-dockerd';
const NETNS = 'ringbench-perf';
export const NETNS_PATH = `/run/netns/${NETNS}`;

export interface PrivateDaemon {
  cli: DockerCli;
  host: string;
  /** Runs a command inside the daemon's network namespace (its containers' IPs are reachable there). */
  nsPrefix: string[];
  /** Seconds the start took (daemon, images, swarm init). */
  startS: number;
  stop(): Promise<void>;
}

/** Starts the daemon, builds the test images in it, initialises a single-node swarm; or says why it cannot. */
export async function startPrivateSwarm(): Promise<PrivateDaemon | { unavailable: string }> {
  const t0 = performance.now();
  const d = await startPrivateDockerd({
    pool: '10.214.0.0/16', poolSize: 22, bip: '10.214.255.1/24', dir: ROOT, netns: NETNS, createNetns: true,
    swarmInit: '127.0.0.1', timeoutMs: 30_000,
  });
  if ('skip' in d) return { unavailable: d.skip };
  try {
    await ensureTestImages(dockerApi(d.host), d.host);
  } catch (err) {
    await d.destroy();
    return { unavailable: `cannot build the test images in the private dockerd: ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    cli: new DockerCli(d.host), host: d.host, nsPrefix: ['nsenter', `--net=${NETNS_PATH}`],
    startS: (performance.now() - t0) / 1000, stop: () => d.destroy(),
  };
}
