// Scenarios 1 and 2: apply → running and crash (SIGKILL) → replacement running, one 1-replica
// worker at a time, next to Docker doing the same job by itself (`docker run -d`, `--restart
// always`) and to a single-node Swarm (`docker service create`, task replacement) on the bench's
// private dockerd. ring runs with a 10 s tick, so the tick is never what reacts.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE } from '../../test/helpers/images.js';
import { LIVENESS_CONFIRM_MS } from '../../src/reconciler/plan.js';
import { RingProcess } from '../support/ring-process.js';
import { row } from '../support/report.js';
import { dockerApi, runningWith, type BenchContext } from '../support/context.js';
import type { PrivateDaemon } from '../support/private-dockerd.js';
import { DockerCli, now, summarize, until } from '../support/util.js';

let ROUNDS = 5;

async function hostPid(docker: Docker, id: string): Promise<number> {
  return (await docker.getContainer(id).inspect()).State.Pid;
}

/** `docker run -d` until running; then `--restart always` and a SIGKILL until Docker restarted it. */
async function dockerAlone(cli: DockerCli, docker: Docker, prefix: string, net: string): Promise<{ start: number[]; restart: number[] }> {
  const start: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = now();
    const cid = await cli.run(['run', '-d', '--network', net, '--name', `${prefix}-run-${i}`, BUSYBOX_IMAGE]);
    await until(async () => (await docker.getContainer(cid).inspect()).State.Running, 'docker run -d');
    start.push(now() - t0);
    cli.removeAll([cid]);

    const rc = await cli.run(['run', '-d', '--network', net, '--restart', 'always', '--name', `${prefix}-always-${i}`, BUSYBOX_IMAGE]);
    await until(async () => (await docker.getContainer(rc).inspect()).State.Running, 'restart-always container');
    const pid = await hostPid(docker, rc);
    const t1 = now();
    process.kill(pid, 'SIGKILL');
    await until(async () => {
      const s = (await docker.getContainer(rc).inspect()).State;
      return s.Running && s.Pid !== 0 && s.Pid !== pid;
    }, 'docker restart policy');
    restart.push(now() - t1);
    cli.removeAll([rc]);
  }
  return { start, restart };
}

async function ringRounds(ctx: BenchContext, dockerHost?: string): Promise<{ up: number[]; running: number[]; restart: number[] }> {
  const ring = await RingProcess.start({ intervalS: 10, ...(dockerHost ? { dockerHost } : {}) });
  const docker = dockerHost ? dockerApi(dockerHost) : ctx.docker;
  const up: number[] = [];
  const running: number[] = [];
  const restart: number[] = [];
  const ns = `${ctx.prefix}-lat`;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = now();
      const created = await ring.request('POST', '/deployments', {
        name: `lat-${i}`, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1,
        config: { image_pull_policy: 'IfNotPresent' } });
      if (created.status !== 201) throw new Error(`POST /deployments: ${created.status} ${created.text}`);
      const id = created.json.id as string;
      const label = `ring_deployment=${id}`;
      let upAt = 0;
      await until(async () => {
        if (!upAt && (await runningWith(docker, [label])).length > 0) upAt = now();
        return (await ring.request('GET', `/deployments/${id}`)).json.status === 'running';
      }, 'ring status running', 30_000, 5);
      if (!upAt) upAt = now();
      up.push(upAt - t0);
      running.push(now() - t0);

      const [cid] = await runningWith(docker, [label]);
      const pid = await hostPid(docker, cid!);
      const t1 = now();
      process.kill(pid, 'SIGKILL');
      await until(async () => (await runningWith(docker, [label])).some((x) => x !== cid), 'ring replacement', 30_000, 5);
      restart.push(now() - t1);
      await ring.request('DELETE', `/deployments/${id}`);
      await until(async () => (await docker.listContainers({ all: true, filters: { label: [label] } })).length === 0, 'ring delete');
    }
  } finally {
    await ring.stop();
    const left = (await docker.listContainers({ all: true, filters: { label: [`ring.namespace=${ns}`] } })).map((c) => c.Id);
    new DockerCli(dockerHost).removeAll(left);
    try { new DockerCli(dockerHost).sh(['network', 'rm', `ring_${ns}`]); } catch { /* not created */ }
  }
  return { up, running, restart };
}

/** `docker service create` until its task runs; SIGKILL of the task's process until a new task runs. */
async function swarmRounds(d: PrivateDaemon, prefix: string): Promise<{ start: number[]; restart: number[]; runFloor: number[] }> {
  const docker = dockerApi(d.host);
  const start: number[] = [];
  const restart: number[] = [];
  const runFloor: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const name = `${prefix}-svc-${i}`;
    const label = `com.docker.swarm.service.name=${name}`;
    const t0 = now();
    await d.cli.run(['service', 'create', '--detach', '--quiet', '--no-resolve-image', '--name', name, BUSYBOX_IMAGE]);
    await until(async () => (await runningWith(docker, [label])).length > 0, 'swarm task running', 60_000, 5);
    start.push(now() - t0);
    const [cid] = await runningWith(docker, [label]);
    const pid = await hostPid(docker, cid!);
    const t1 = now();
    process.kill(pid, 'SIGKILL');
    await until(async () => (await runningWith(docker, [label])).some((x) => x !== cid), 'swarm replacement task', 60_000, 5);
    restart.push(now() - t1);
    await d.cli.run(['service', 'rm', name]);

    // The same daemon without Swarm: what the service adds over a plain run there.
    const r0 = now();
    const rid = await d.cli.run(['run', '-d', '--name', `${prefix}-prun-${i}`, BUSYBOX_IMAGE]);
    await until(async () => (await docker.getContainer(rid).inspect()).State.Running, 'private docker run');
    runFloor.push(now() - r0);
    d.cli.removeAll([rid]);
  }
  return { start, restart, runFloor };
}

export async function latency(ctx: BenchContext, swarm: PrivateDaemon | { unavailable: string }): Promise<void> {
  ROUNDS = ctx.quick ? 3 : 5;
  const prefix = `${ctx.prefix}-${randomBytes(2).toString('hex')}`;
  ctx.log('latency: docker run -d / --restart always');
  // Like ring's containers, the anchors' join a user-defined bridge network of their own.
  const cli = new DockerCli();
  const net = `${prefix}-net`;
  cli.sh(['network', 'create', net]);
  let d: { start: number[]; restart: number[] };
  try {
    d = await dockerAlone(cli, ctx.docker, prefix, net);
  } finally {
    cli.removeAll(cli.lines(['ps', '-aq', '--filter', `network=${net}`]));
    cli.sh(['network', 'rm', net]);
  }
  ctx.log('latency: ring');
  const r = await ringRounds(ctx);
  let s: { start: number[]; restart: number[]; runFloor: number[] } | null = null;
  let rs: { up: number[]; running: number[]; restart: number[] } | null = null;
  let swarmWhy = 'unavailable' in swarm ? swarm.unavailable : '';
  if (!('unavailable' in swarm)) {
    ctx.log('latency: swarm (private dockerd)');
    try {
      s = await swarmRounds(swarm, prefix);
      ctx.log('latency: ring on the private dockerd (same daemon as Swarm)');
      rs = await ringRounds(ctx, swarm.host);
    } catch (err) {
      swarmWhy = `failed: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  const gap = summarize(r.running.map((x, i) => x - r.up[i]!));
  ctx.notes.push(`Liveness confirmation: RING §5.3 (acceptance t42) has a fresh worker instance confirmed alive ${LIVENESS_CONFIRM_MS} ms after it started `
    + 'before the deployment is reported running. ring keeps the window but makes it event-driven: a Docker `die` within it wakes a pass that '
    + 'counts the crash (no promotion), and otherwise a requeue timer set for start + window promotes it as soon as the window closes (no tick). '
    + `Measured: container up → status running ${gap.median.toFixed(0)} ms median (${gap.min.toFixed(0)}–${gap.max.toFixed(0)}), i.e. the window plus `
    + `${(gap.median - LIVENESS_CONFIRM_MS).toFixed(0)} ms.`);
  const S1 = '1. apply → running (1-replica worker)';
  const S2 = '2. crash (SIGKILL) → replacement running';
  const run = summarize(d.start);
  ctx.rows.push(
    row({ scenario: S1, what: '`docker run -d` (floor, shared daemon)', unit: 'ms', ring: undefined, anchorName: 'docker run -d', anchor: run }),
    row({ scenario: S1, what: 'ring POST → container up', unit: 'ms', ring: summarize(r.up), anchorName: 'docker run -d', anchor: run,
      target: '≤ 1.2×', ratioMax: 1.2 }),
    row({ scenario: S1, what: `ring POST → status running (liveness confirmation ${LIVENESS_CONFIRM_MS} ms)`, unit: 'ms', ring: summarize(r.running),
      anchorName: `docker run -d + ${LIVENESS_CONFIRM_MS} ms`, anchor: run.median + LIVENESS_CONFIRM_MS, target: '≤ 1.2×', ratioMax: 1.2 }),
  );
  if (s && rs) {
    ctx.rows.push(
      row({ scenario: S1, what: 'private dockerd: `docker run -d` (floor there)', unit: 'ms', ring: undefined, anchorName: 'docker run -d', anchor: summarize(s.runFloor) }),
      row({ scenario: S1, what: 'private dockerd: ring POST → container up, vs Swarm', unit: 'ms', ring: summarize(rs.up), anchorName: '`docker service create` → task running', anchor: summarize(s.start),
        note: 'ring and Swarm on the same (private, single-node Swarm) daemon' }),
      row({ scenario: S1, what: 'private dockerd: ring POST → status running, vs Swarm', unit: 'ms', ring: summarize(rs.running), anchorName: '`docker service create` → task running', anchor: summarize(s.start) }),
    );
  } else {
    ctx.rows.push(row({ scenario: S1, what: 'ring vs `docker service create`', unit: 'ms', ring: summarize(r.up), anchorName: 'Swarm', anchor: null, note: `Swarm skipped: ${swarmWhy}` }));
  }
  const always = summarize(d.restart);
  ctx.rows.push(
    row({ scenario: S2, what: 'ring (docker `die` event → replacement)', unit: 'ms', ring: summarize(r.restart), anchorName: 'docker --restart always', anchor: always, target: '≤ 1.1×', ratioMax: 1.1 }),
    s && rs
      ? row({ scenario: S2, what: 'private dockerd: ring vs Swarm task replacement', unit: 'ms', ring: summarize(rs.restart), anchorName: 'Swarm', anchor: summarize(s.restart) })
      : row({ scenario: S2, what: 'ring vs Swarm task replacement', unit: 'ms', ring: summarize(r.restart), anchorName: 'Swarm', anchor: null, note: `Swarm skipped: ${swarmWhy}` }),
  );
}
