// The describe view of one deployment as lines: inspect (what it runs, where, its instances and
// rollout), its recent events and its health-check history. Pure.
import { shortDuration } from './bar.js';
import { checkLabel, type HealthCheckResult } from './gate.js';
import { eventTime, formatAge, replicasText, type Deployment, type DeploymentEvent } from './format.js';

export type Tone = 'ok' | 'warn' | 'error' | 'dim' | 'title' | undefined;
export interface Line {
  text: string;
  tone?: Tone;
}

const LEVEL_TONE: Record<string, Tone> = { info: undefined, warning: 'warn', error: 'error' };
const PROBE_TONE: Record<string, Tone> = { success: 'ok', failed: 'error', timeout: 'error' };

function kv(key: string, value: string): Line {
  return { text: `  ${`${key}:`.padEnd(16)}${value}` };
}

export interface DescribeInput {
  deployment: Deployment;
  events?: readonly DeploymentEvent[];
  checks?: readonly HealthCheckResult[];
  /** Why events/checks could not be loaded. */
  error?: string;
  now: number;
}

export function describeLines({ deployment: d, events, checks, error, now }: DescribeInput): Line[] {
  const lines: Line[] = [{ text: `${d.namespace}/${d.name}  (${d.id})`, tone: 'title' }];
  lines.push(kv('status', d.status));
  lines.push(kv('kind', `${d.kind} on ${d.runtime}`));
  lines.push(kv('image', d.image_digest ? `${d.image} (${d.image_digest.slice(0, 19)})` : d.image));
  if (d.command.length) lines.push(kv('command', d.command.join(' ')));
  lines.push(kv('replicas', `${replicasText(d)} running${d.autoscale ? ` (autoscale ${d.autoscale.min}-${d.autoscale.max})` : ''}`));
  lines.push(kv('restarts', String(d.restart_count)));
  lines.push(kv('age', `${formatAge(d.created_at, now)} (created ${d.created_at})`));
  if (d.parent_id) lines.push(kv('rolling from', `deployment ${d.parent_id}`));
  if (d.ports.length) lines.push(kv('ports', d.ports.map((p) => `${p.published ? `${p.published}:` : ''}${p.target}${p.protocol && p.protocol !== 'tcp' ? `/${p.protocol}` : ''}`).join(', ')));
  const labels = Object.entries(d.labels ?? {});
  if (labels.length) lines.push(kv('labels', labels.map(([k, v]) => `${k}=${v}`).join(', ')));
  lines.push(kv('instances', d.instances.length ? '' : 'none running'));
  for (const i of d.instances) lines.push({ text: `    ${i.id.slice(0, 12)}${i.address ? `  ${i.address}` : ''}` });
  if (d.health_checks?.length) {
    lines.push(kv('health checks', ''));
    d.health_checks.forEach((c, i) => {
      const gate = c.readiness ? ` readiness, min_healthy_time ${c.min_healthy_time ?? '10s'}` : '';
      lines.push({ text: `    #${i} ${checkLabel(c, i)} every ${c.interval} (timeout ${c.timeout})${gate}${c.on_failure ? `, on failure ${c.on_failure}` : ''}` });
    });
  }
  if (d.readiness?.deadline_at && (d.status === 'creating' || d.status === 'pending')) {
    lines.push(kv('gate deadline', `${d.readiness.deadline_at} (in ${shortDuration(Date.parse(d.readiness.deadline_at) - now)})`));
  }

  lines.push({ text: '' }, { text: 'Events (newest first)', tone: 'title' });
  if (error) lines.push({ text: `  ${error}`, tone: 'error' });
  else if (events === undefined) lines.push({ text: '  loading…', tone: 'dim' });
  else if (events.length === 0) lines.push({ text: '  none', tone: 'dim' });
  for (const e of events ?? []) {
    lines.push({ text: `  ${eventTime(e.timestamp)}  ${e.level.padEnd(7)}  ${e.reason.padEnd(24)}  ${e.message.replace(/\s+/g, ' ')}`, tone: LEVEL_TONE[e.level] });
  }

  lines.push({ text: '' }, { text: 'Health checks (newest first)', tone: 'title' });
  if (!error && checks === undefined) lines.push({ text: '  loading…', tone: 'dim' });
  else if (checks?.length === 0) lines.push({ text: '  none recorded', tone: 'dim' });
  for (const c of checks ?? []) {
    const took = Date.parse(c.finished_at) - Date.parse(c.started_at);
    lines.push({
      text: `  ${eventTime(c.finished_at)}  #${c.check_index ?? '?'} ${c.check_type.padEnd(7)}  ${c.status.padEnd(7)}  ${(c.instance_id ?? '').slice(0, 12).padEnd(12)}  ${Number.isNaN(took) ? '' : `${shortDuration(took)}  `}${c.message.replace(/\s+/g, ' ')}`,
      tone: PROBE_TONE[c.status],
    });
  }
  return lines;
}
