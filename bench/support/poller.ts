// The availability client of the rolling-update benchmark, a process of its own (so it can run
// inside the private dockerd's network namespace for Swarm). Every --every ms it sends one request
// for the service: GET / to the containers the daemon lists as running with --label, trying them in
// turn (starting with a different one each time), as a client behind a failover balancer would.
// A request fails when none answers 200. On SIGTERM it prints its counts as one JSON line.
//   node poller.js --docker-host unix:///var/run/docker.sock --label ring.namespace=x [--every 100]
import { request } from 'node:http';
import Docker from 'dockerode';

const arg = (name: string, dflt?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const docker = new Docker({ socketPath: arg('docker-host', 'unix:///var/run/docker.sock')!.replace(/^unix:\/\//, '') });
const label = arg('label')!;
const every = Number(arg('every', '100'));

function get(ip: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port: 80, path: '/', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => { req.destroy(); resolve({ status: 0, body: '' }); });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

let requests = 0;
let failed = 0;
/** Attempts at a listed-as-running container that did not answer 200 (hidden by the failover). */
let retried = 0;
const bodies: Record<string, number> = {};
let stop = false;
process.on('SIGTERM', () => { stop = true; });

let turn = 0;
while (!stop) {
  const t = performance.now();
  let ok = false;
  try {
    const list = await docker.listContainers({ filters: { label: [label], status: ['running'] } });
    const ips = list.flatMap((c) => Object.values(c.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).filter(Boolean));
    for (let k = 0; k < ips.length && !ok; k++) {
      const r = await get(ips[(turn + k) % ips.length]!);
      if (r.status === 200) {
        ok = true;
        bodies[r.body] = (bodies[r.body] ?? 0) + 1;
      } else retried++;
    }
  } catch { /* the daemon did not answer: this request fails */ }
  turn++;
  requests++;
  if (requests === 1) process.stdout.write('READY\n');
  if (!ok) failed++;
  const wait = every - (performance.now() - t);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
process.stdout.write(JSON.stringify({ requests, failed, retried, bodies }) + '\n');
