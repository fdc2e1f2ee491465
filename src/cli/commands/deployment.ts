// `ring deployment list|inspect|delete|logs|events|metrics|health-checks|wait|restart`. Every command that
// names a deployment takes its id, NAMESPACE/NAME, or NAME with -n NAMESPACE.
import { Command, Option } from 'commander';
import type { components } from '../../client/index.js';
import { CliError, EXIT, listError, resourceError } from '../../client/errors.js';
import { collect, globalsOf, outputOption, positiveInt, quietOption } from '../kit.js';
import { emit } from '../emit.js';
import { resolveId } from '../resolve.js';
import { progressView, parseTimeout, reportRollout } from '../rollout-view.js';
import { exitCodeOf, waitForRollout } from '../../client/wait.js';
import { watchDeployments } from '../../client/watch.js';
import type { WaitFor } from '../../client/rollout-verdict.js';
import { openSession, type Session } from '../../client/session.js';
import {
  err, formatBytes, formatPercent, formatTime, out, paint, paintLevel, paintStatus, printTable,
  renderFields, renderTable,
} from '../output.js';

type Deployment = components['schemas']['Deployment'];
type DeploymentEvent = components['schemas']['DeploymentEvent'];
type LogLine = components['schemas']['LogLine'];
type HealthCheckResult = components['schemas']['HealthCheckResult'];
type Status = components['schemas']['Status'];
type Kind = components['schemas']['Kind'];

export function replicasCell(d: Deployment): string {
  const target = d.autoscale && typeof d.desired_replicas === 'number' ? d.desired_replicas : d.replicas;
  return `${d.instances?.length ?? 0}/${target}${d.autoscale ? '*' : ''}`;
}

function envCell(v: components['schemas']['EnvValue']): string {
  return typeof v === 'string' ? v : `secretRef:${v.secretRef}`;
}

function printDeployment(d: Deployment): void {
  out(paint('DEPLOYMENT DETAILS', 'bold'));
  out('==================');
  const fields: [string, unknown][] = [
    ['ID', d.id],
    ['Name', d.name],
    ['Namespace', d.namespace],
    ['Status', paintStatus(d.status)],
    ['Runtime', d.runtime],
    ['Kind', d.kind],
    ['Image', d.image],
  ];
  if (d.image_digest) fields.push(['Image digest', d.image_digest]);
  fields.push(
    ['Command', d.command.length ? JSON.stringify(d.command) : ''],
    ['Replicas', replicasCell(d)],
    ['Restart count', d.restart_count],
    ['Created at (UTC)', formatTime(d.created_at)],
    ['Updated at (UTC)', formatTime(d.updated_at)],
  );
  if (d.autoscale) fields.push(['Autoscale', `min ${d.autoscale.min}, max ${d.autoscale.max}, target cpu ${d.autoscale.target_cpu}%`]);
  if (d.autoscale && typeof d.desired_replicas === 'number') fields.push(['Desired replicas', d.desired_replicas]);
  if (d.network?.mode) fields.push(['Network', d.network.mode]);
  if (d.parent_id) fields.push(['Replaces', d.parent_id]);
  if (d.resources) {
    const r = d.resources;
    const part = (x?: { cpu?: string; memory?: string }) => (x ? [x.cpu && `cpu ${x.cpu}`, x.memory && `memory ${x.memory}`].filter(Boolean).join(', ') : '');
    if (r.limits) fields.push(['Limits', part(r.limits)]);
    if (r.requests) fields.push(['Requests', part(r.requests)]);
  }
  const c = d.config ?? {};
  if (Object.keys(c).length > 0) {
    const shown = { ...c, ...(c.password ? { password: '********' } : {}) };
    fields.push(['Config', JSON.stringify(shown)]);
  }
  out(renderFields(fields));

  const section = (title: string, headers: string[], rows: unknown[][]) => {
    if (rows.length === 0) return;
    out();
    out(paint(title, 'bold'));
    out(renderTable(headers, rows));
  };
  section('Instances', ['ID', 'Address'], (d.instances ?? []).map((i) => [i.id, i.address ?? '']));
  section('Ports', ['Published', 'Target', 'Host IP', 'Protocol'], d.ports.map((p) => [p.published, p.target, p.host_ip ?? '0.0.0.0', p.protocol ?? 'tcp']));
  section('Environment', ['Name', 'Value'], Object.entries(d.environment ?? {}).map(([k, v]) => [k, envCell(v)]));
  section('Labels', ['Name', 'Value'], Object.entries(d.labels ?? {}).map(([k, v]) => [k, v]));
  section('Volumes', ['Type', 'Source', 'Destination', 'Key', 'Driver', 'Permission'],
    d.volumes.map((v) => [v.type, v.source ?? '', v.destination, v.key ?? '', v.driver, v.permission]));
  section('Health checks', ['Type', 'Target', 'Interval', 'Timeout', 'Threshold', 'On failure', 'Readiness'],
    (d.health_checks ?? []).map((h) => [
      h.type, h.type === 'tcp' ? `port ${h.port ?? ''}` : h.type === 'http' ? (h.url ?? '') : (h.command ?? ''),
      h.interval, h.timeout, h.threshold ?? 3, h.on_failure ?? 'restart', h.readiness ? 'yes' : 'no',
    ]));
}

function eventRow(e: DeploymentEvent): unknown[] {
  return [formatTime(e.timestamp), paintLevel(e.level), e.component, e.reason, e.message];
}

function logLine(l: LogLine): string {
  return `[${l.timestamp ?? '-'}] ${l.instance} ${l.message}`;
}

async function followLogs(s: Session, id: string, query: { tail?: number; since?: string; container?: string }): Promise<void> {
  const r = await s.client.GET('/deployments/{id}/logs', {
    params: { path: { id }, query: { ...query, follow: true } },
    // identity: a gzip-compressed event stream would sit in the server's compressor instead of arriving line by line.
    headers: { Accept: 'text/event-stream', 'Accept-Encoding': 'identity' },
    parseAs: 'stream',
  });
  if (!r.response.ok || !r.data) throw resourceError('deployment', id, r, s.baseUrl);
  const reader = (r.data as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const flushEvent = (block: string) => {
    const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    if (!data) return; // keep-alive comment
    try {
      out(logLine(JSON.parse(data) as LogLine));
    } catch {
      out(data);
    }
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        flushEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (e) {
    throw new CliError(`error: the log stream from ${s.baseUrl} broke: ${(e as Error).message}`, EXIT.CONNECTION);
  }
  if (buffer.trim()) flushEvent(buffer);
}

const REF = 'ID, NAMESPACE/NAME, or NAME with -n';
const nsOption = () => new Option('-n, --namespace <namespace>', 'namespace of a NAME given without one');

export function registerDeployment(program: Command): void {
  const dep = program.command('deployment').alias('deployments').description('inspect and manage deployments');

  dep
    .command('list', { isDefault: true })
    .description('list deployments')
    .option('-n, --namespace <namespace>', 'only this namespace (repeatable)', collect)
    .option('-s, --status <status>', 'only this status (repeatable)', collect)
    .addOption(new Option('--type <kind>', 'only this kind').choices(['worker', 'job']))
    .option('-l, --label <selector>', 'key=value or key (repeatable, all must match)', collect)
    .addOption(outputOption())
    .addOption(quietOption())
    .action(async (opts: { namespace?: string[]; status?: string[]; type?: string; label?: string[] }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const query: { namespace?: string[]; status?: Status[]; kind?: Kind[]; label?: string[] } = {};
      if (opts.namespace?.length) query.namespace = opts.namespace;
      if (opts.status?.length) query.status = opts.status as Status[];
      if (opts.type) query.kind = [opts.type as Kind];
      if (opts.label?.length) query.label = opts.label;
      const r = await s.client.GET('/deployments', { params: { query } });
      if (!r.response.ok || !r.data) {
        throw listError('deployments', r, s.baseUrl, opts.namespace?.length ? opts.namespace.join(',') : null);
      }
      const list = r.data;
      emit(cmd, list, () => printTable(
        ['ID', 'Created at (UTC)', 'Updated at (UTC)', 'Namespace', 'Name', 'Image', 'Runtime', 'Kind', 'Replicas', 'Status'],
        list.map((d) => [d.id, formatTime(d.created_at), formatTime(d.updated_at), d.namespace, d.name, d.image, d.runtime, d.kind,
          replicasCell(d), paintStatus(d.status)]),
      ));
    });

  dep
    .command('inspect <ref>')
    .description(`show one deployment (${REF})`)
    .addOption(nsOption())
    .addOption(outputOption())
    .addOption(quietOption())
    .action(async (ref: string, opts: { namespace?: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const id = await resolveId(s, ref, opts.namespace);
      const r = await s.client.GET('/deployments/{id}', { params: { path: { id } } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      const d = r.data;
      emit(cmd, d, () => printDeployment(d));
    });

  dep
    .command('delete <ref...>')
    .description(`delete deployments (${REF}; their instances are removed by the reconciler)`)
    .addOption(nsOption())
    .action(async (refs: string[], opts: { namespace?: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      let failures = 0;
      for (const ref of refs) {
        try {
          const id = await resolveId(s, ref, opts.namespace);
          const r = await s.client.DELETE('/deployments/{id}', { params: { path: { id } } });
          if (r.response.ok) out(`Deployment ${id} deleted`);
          else throw resourceError('deployment', ref, r, s.baseUrl);
        } catch (e) {
          if (!(e instanceof CliError) || e.exitCode === EXIT.CONNECTION) throw e;
          failures++;
          err(e.message);
        }
      }
      if (failures > 0) throw new CliError('', EXIT.GENERAL);
    });

  dep
    .command('restart <ref>')
    .description(`redeploy with the same spec, rolling when it can (${REF}), e.g. to pull a tag that moved`)
    .addOption(nsOption())
    .option('--wait', 'wait until the new deployment has rolled out (exit 6 when it fails, 7 on --timeout)')
    .option('--timeout <duration>', 'with --wait: how long (default 5m)', parseTimeout)
    .addOption(outputOption())
    .addOption(quietOption())
    .action(async (ref: string, opts: { namespace?: string; wait?: boolean; timeout?: number }, cmd: Command) => {
      const s = openSession(globalsOf(cmd), { timeoutMs: opts.wait ? null : undefined });
      const id = await resolveId(s, ref, opts.namespace);
      const r = await s.client.POST('/deployments/{id}/restart', { params: { path: { id } } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      const d = r.data;
      emit(cmd, d, () => out(`Deployment '${d.name}' restarted: ${d.id} ${d.outcome === 'rolling' ? `rolls from ${id}` : `replaced ${id}`}`));
      if (opts.wait) await waitAndReport(s, [d.id], { timeoutMs: opts.timeout ?? DEFAULT_WAIT_MS });
    });

  dep
    .command('wait <ref...>')
    .description(`wait until deployments are running, completed or deleted (${REF})`)
    .addOption(nsOption())
    .addOption(new Option('--for <condition>', 'running (workers: ready, rollout done), completed (jobs) or deleted; default: completed for a job, running for a worker').choices(['running', 'completed', 'deleted']))
    .option('--timeout <duration>', 'give up after this long (exit 7; default 5m)', parseTimeout)
    .addHelpText('after', '\nExit codes: 0 all succeeded, 6 one failed (fail-fast; its last events are printed), 7 timed out, 4 not found.')
    .action(async (refs: string[], opts: { namespace?: string; for?: WaitFor; timeout?: number }, cmd: Command) => {
      const s = openSession(globalsOf(cmd), { timeoutMs: null });
      const ids: string[] = [];
      for (const ref of refs) {
        try {
          ids.push(await resolveId(s, ref, opts.namespace));
        } catch (e) {
          // Already gone is what --for deleted waits for.
          if (opts.for === 'deleted' && e instanceof CliError && e.exitCode === EXIT.NOT_FOUND) continue;
          throw e;
        }
      }
      if (ids.length === 0) return;
      await waitAndReport(s, ids, { timeoutMs: opts.timeout ?? DEFAULT_WAIT_MS, for: opts.for });
    });

  dep
    .command('logs <ref>')
    .description(`print the logs of a deployment's instances (${REF})`)
    .addOption(nsOption())
    .option('-f, --follow', 'stream new lines until interrupted')
    .option('--tail <n>', 'lines per instance (default 100)', positiveInt('--tail'))
    .option('--since <since>', '<n>s, <n>m, <n>h or an RFC 3339 time')
    .option('-c, --container <container>', 'only the instance whose id starts with / name contains this')
    .action(async (ref: string, opts: { namespace?: string; follow?: boolean; tail?: number; since?: string; container?: string }, cmd: Command) => {
      const query: { tail?: number; since?: string; container?: string } = {};
      if (opts.tail !== undefined) query.tail = opts.tail;
      if (opts.since) query.since = opts.since;
      if (opts.container) query.container = opts.container;
      if (opts.follow) {
        const s = openSession(globalsOf(cmd), { timeoutMs: null });
        const id = await resolveId(s, ref, opts.namespace);
        process.once('SIGINT', () => process.exit(0));
        await followLogs(s, id, query);
        return;
      }
      const s = openSession(globalsOf(cmd));
      const id = await resolveId(s, ref, opts.namespace);
      const r = await s.client.GET('/deployments/{id}/logs', { params: { path: { id }, query } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      for (const l of r.data as LogLine[]) out(logLine(l));
    });

  dep
    .command('events <ref>')
    .description(`show the events of a deployment, newest first (${REF})`)
    .addOption(nsOption())
    .addOption(new Option('-l, --level <level>', 'only this level').choices(['info', 'warning', 'error']))
    .option('--limit <n>', 'how many (1–1000)', positiveInt('--limit'), 50)
    .option('-f, --follow', 'then print new events as they are recorded (pushed by the server), oldest first')
    .addOption(outputOption())
    .addOption(quietOption())
    .action(async (ref: string, opts: { namespace?: string; level?: 'info' | 'warning' | 'error'; limit: number; follow?: boolean; output: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd), { timeoutMs: opts.follow ? null : undefined });
      const id = await resolveId(s, ref, opts.namespace);
      const query: { level?: 'info' | 'warning' | 'error'; limit?: number } = { limit: opts.limit };
      if (opts.level) query.level = opts.level;
      const r = await s.client.GET('/deployments/{id}/events', { params: { path: { id }, query } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      const first = r.data;
      if (!opts.follow) {
        emit(cmd, first, () => printTable(['Time', 'Level', 'Component', 'Reason', 'Message'], first.map(eventRow)));
        return;
      }
      const seen = new Set<string>();
      const show = (e: DeploymentEvent) => {
        if (seen.has(e.id) || (opts.level && e.level !== opts.level)) return;
        seen.add(e.id);
        if (opts.output === 'json') out(JSON.stringify(e));
        else out(eventRow(e).join('  '));
      };
      process.once('SIGINT', () => process.exit(0));
      for (const e of [...first].reverse()) show(e);
      for await (const change of watchDeployments(s.client, { ids: [id], baseUrl: s.baseUrl })) {
        if (change.type === 'event') show(change.event);
        if (change.type === 'removed') return;
      }
      throw new CliError(`error: the event stream from ${s.baseUrl} ended`, EXIT.CONNECTION);
    });

  dep
    .command('metrics <ref>')
    .description(`resource usage of the running instances (${REF})`)
    .addOption(nsOption())
    .addOption(outputOption())
    .action(async (ref: string, opts: { namespace?: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const id = await resolveId(s, ref, opts.namespace);
      const r = await s.client.GET('/deployments/{id}/metrics', { params: { path: { id } } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      const m = r.data;
      emit(cmd, m, () => printMetrics(m));
    });

  dep
    .command('health-checks <ref>')
    .description(`health-check results, newest first (${REF})`)
    .addOption(nsOption())
    .option('--latest', 'only the newest result of each check')
    .option('--limit <n>', 'how many (1–1000, default 100)', positiveInt('--limit'))
    .addOption(outputOption())
    .action(async (ref: string, opts: { namespace?: string; latest?: boolean; limit?: number }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const id = await resolveId(s, ref, opts.namespace);
      const query: { latest?: boolean; limit?: number } = {};
      if (opts.latest) query.latest = true;
      if (opts.limit !== undefined) query.limit = opts.limit;
      const r = await s.client.GET('/deployments/{id}/health-checks', { params: { path: { id }, query } });
      if (!r.response.ok || !r.data) throw resourceError('deployment', ref, r, s.baseUrl);
      const list = r.data as HealthCheckResult[];
      emit(cmd, list, () => printTable(['Type', 'Status', 'Started', 'Finished', 'Message'],
        list.map((h) => [h.check_type, paintStatus(h.status), formatTime(h.started_at), formatTime(h.finished_at), h.message])));
    });
}

export const DEFAULT_WAIT_MS = 5 * 60_000;

/** Waits with the live view on stderr, reports the end, and throws the exit code (6 failed, 7 timeout). */
export async function waitAndReport(s: Session, ids: string[], opts: { timeoutMs: number; for?: WaitFor }): Promise<void> {
  const view = progressView();
  const result = await waitForRollout(s.client, ids, { timeoutMs: opts.timeoutMs, for: opts.for, onProgress: view.onProgress, baseUrl: s.baseUrl });
  view.done();
  reportRollout(result, opts.timeoutMs);
  const code = exitCodeOf(result);
  if (code !== EXIT.OK) throw new CliError('', code);
}

function printMetrics(m: components['schemas']['DeploymentMetrics']): void {
  const mem = m.total_memory ?? {};
  out(renderFields([
    ['Deployment', `${m.deployment_name} (${m.deployment_id})`],
    ['Instances', m.instance_count],
    ['CPU', formatPercent(m.total_cpu_usage_percent)],
    ['Memory', `${formatBytes(mem.usage_bytes)} / ${mem.limit_bytes ? formatBytes(mem.limit_bytes) : 'no limit'} (${formatPercent(mem.usage_percent)})`],
    ['Network', `rx ${formatBytes(m.total_network?.rx_bytes)}, tx ${formatBytes(m.total_network?.tx_bytes)}`],
    ['Disk I/O', `read ${formatBytes(m.total_disk_io?.read_bytes)}, write ${formatBytes(m.total_disk_io?.write_bytes)}`],
    ['PIDs', m.total_pids],
  ]));
  if (m.instances.length > 0) {
    out();
    printTable(
      ['Instance', 'Name', 'CPU', 'Memory', 'Net RX', 'Net TX', 'Disk read', 'Disk write', 'PIDs', 'Restarts'],
      m.instances.map((i) => [
        i.instance_id, i.instance_name, formatPercent(i.cpu_usage_percent),
        `${formatBytes(i.memory.usage_bytes)} (${formatPercent(i.memory.usage_percent)})`,
        formatBytes(i.network.rx_bytes), formatBytes(i.network.tx_bytes),
        formatBytes(i.disk_io.read_bytes), formatBytes(i.disk_io.write_bytes),
        i.pids.limit ? `${i.pids.current ?? 0}/${i.pids.limit}` : (i.pids.current ?? 0), i.restart_count,
      ]),
    );
  }
}
