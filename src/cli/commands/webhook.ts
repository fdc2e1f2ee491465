// `ring webhook create|list|inspect|delete` (RING.md §11.4). `create` prints the id alone on stdout
// (`id=$(ring webhook create …)`); the summary and the secret, shown once, go to stderr.
import { Command } from 'commander';
import type { components } from '../../client/index.js';
import { httpError, resourceError } from '../../client/errors.js';
import { collect, globalsOf } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { emit } from '../emit.js';
import { openSession, type Session } from '../../client/session.js';
import { err, formatTime, out, paint, printTable, renderFields } from '../output.js';

type Delivery = components['schemas']['WebhookDelivery'];

const FOLLOW_EVERY_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const eventsText = (events: string[], sep = ', ') => (events.length ? events.join(sep) : 'all');

function paintDelivery(status: string): string {
  if (status === 'delivered') return paint(status, 'green');
  if (status === 'dead') return paint(status, 'red');
  if (status === 'cancelled') return paint(status, 'gray');
  return status;
}

const deliveryRow = (d: Delivery) =>
  [d.id, d.kind, paintDelivery(d.status), d.attempts, formatTime(d.updated_at || d.created_at), d.last_error ?? ''];
const DELIVERY_HEADERS = ['Id', 'Kind', 'Status', 'Attempts', 'Updated (UTC)', 'Last error'];

async function deliveries(s: Session, id: string): Promise<Delivery[]> {
  const r = await s.client.GET('/webhooks/{id}/events', { params: { path: { id }, query: { limit: 50 } } });
  if (!r.response.ok || !r.data) throw resourceError('webhook', id, r, s.baseUrl);
  return r.data;
}

export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('manage webhook subscribers of deployment events');

  webhook
    .command('create <url>')
    .description('subscribe a URL; prints the new id on stdout and the secret, once, on stderr')
    .option('-e, --event <kind>', "event kind, repeatable: an exact kind (deployment.scaled), 'deployment.*' or '*' (default: all)", collect)
    .option('-s, --secret <secret>', 'HMAC secret (default: generated)')
    .action(async (url: string, opts: { event?: string[]; secret?: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.POST('/webhooks', { body: { url, events: opts.event ?? [], ...(opts.secret ? { secret: opts.secret } : {}) } });
      if (!r.response.ok || !r.data) throw httpError(`Failed to create webhook for '${url}'`, r);
      err(`Webhook registered for ${r.data.url}`);
      err(`  events: ${eventsText(r.data.events)}`);
      err(`  secret: ${r.data.secret} (copy it now — not shown again)`);
      out(r.data.id);
    });

  addListCommand(webhook, {
    kind: 'webhooks', description: 'list webhook subscribers, newest first (revoked included)',
    fetch: (s) => s.client.GET('/webhooks', {}),
    headers: ['Id', 'URL', 'Events', 'Status', 'Created (UTC)'],
    row: (w) => [w.id, w.url, eventsText(w.events, ','), w.revoked_at ? paint('revoked', 'red') : paint('active', 'green'), formatTime(w.created_at)],
  });

  webhook
    .command('inspect <id>')
    .description('show a subscriber and the events offered to it, newest first')
    .option('-f, --follow', `keep polling for new deliveries and status changes (every ${FOLLOW_EVERY_MS / 1000} s)`)
    .action(async (id: string, opts: { follow?: boolean }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const w = await s.client.GET('/webhooks/{id}', { params: { path: { id } } });
      if (!w.response.ok || !w.data) throw resourceError('webhook', id, w, s.baseUrl);
      if (!opts.follow && (cmd.opts().output !== 'table' || cmd.opts().quiet)) {
        return emit(cmd, { ...w.data, deliveries: await deliveries(s, id) }, () => {});
      }
      out(renderFields([
        ['Id', w.data.id], ['URL', w.data.url], ['Events', eventsText(w.data.events)],
        ['Status', w.data.revoked_at ? `revoked ${formatTime(w.data.revoked_at)} UTC` : 'active'], ['Created (UTC)', formatTime(w.data.created_at)],
      ]));
      const first = await deliveries(s, id);
      printTable(DELIVERY_HEADERS, first.map(deliveryRow));
      if (!opts.follow) return;
      // A delivery is shown again whenever its status or attempt count moves (a retry, a dead letter).
      const key = (d: Delivery) => `${d.id} ${d.status} ${d.attempts}`;
      const shown = new Set(first.map(key));
      process.once('SIGINT', () => process.exit(0));
      for (;;) {
        await sleep(FOLLOW_EVERY_MS);
        const fresh = (await deliveries(s, id).catch(() => [])).filter((d) => !shown.has(key(d))).reverse();
        for (const d of fresh) {
          shown.add(key(d));
          out(deliveryRow(d).join('  '));
        }
      }
    });

  webhook
    .command('delete <id>')
    .description('revoke a subscriber (it is kept, marked revoked; pending deliveries are cancelled)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.DELETE('/webhooks/{id}', { params: { path: { id } } });
      if (!r.response.ok) throw resourceError('webhook', id, r, s.baseUrl);
      out(`Webhook '${id}' deleted`);
    });
}
