// Published ports (CLOUD-HYPERVISOR.md §1.5): checked bindable before anything is spawned, then one
// socat per port from the host to the guest's address.
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { spawnDetached, sleep } from './process.js';

export interface PublishedPort { published: number; target: number; hostIp: string; protocol: 'tcp' | 'udp' }

export function socatArgs(p: PublishedPort, guestIp: string): string[] {
  const proto = p.protocol === 'udp' ? 'UDP4' : 'TCP4';
  const bind = p.hostIp && p.hostIp !== '0.0.0.0' ? `,bind=${p.hostIp}` : '';
  return ['-d', '-d', `${proto}-LISTEN:${p.published},reuseaddr,fork${bind}`, `${proto}:${guestIp}:${p.target}`];
}

/** Null when the port can be bound now; else the bind error's text. */
export function bindProblem(p: PublishedPort): Promise<string | null> {
  const host = p.hostIp || '0.0.0.0';
  if (p.protocol === 'udp') {
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      s.once('error', (e) => { s.close(); resolve(e.message); });
      s.bind(p.published, host, () => s.close(() => resolve(null)));
    });
  }
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e) => resolve(e.message));
    srv.listen(p.published, host, () => srv.close(() => resolve(null)));
  });
}

/** Starts socat and waits (TCP) until it accepts on the published port. */
export async function startForwarder(p: PublishedPort, guestIp: string, logFile: string): Promise<number> {
  const child = spawnDetached('socat', socatArgs(p, guestIp), { stderr: logFile });
  const pid = child.pid;
  if (!pid) throw new Error('cannot start socat (is it installed? apt-get install socat)');
  let exited: number | null | undefined;
  let spawnErr: Error | undefined;
  child.once('exit', (c) => { exited = c; });
  child.once('error', (e) => { spawnErr = e; });
  const host = p.hostIp && p.hostIp !== '0.0.0.0' ? p.hostIp : '127.0.0.1';
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnErr) throw new Error(`cannot start socat: ${spawnErr.message}`);
    if (exited !== undefined) throw new Error(`socat for port ${p.published} exited with code ${exited}`);
    if (p.protocol === 'udp') { await sleep(100); if (exited === undefined) return pid; continue; }
    if (await accepts(host, p.published)) return pid;
    if (Date.now() > deadline) throw new Error(`socat did not listen on port ${p.published} within 10s`);
    await sleep(50);
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

