// `ring token create|list|revoke|rotate`: personal access tokens. A new token goes alone to stdout
// (`export RING_TOKEN=$(ring token create ci -s deployments:write)`); everything else to stderr.
import { Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT, httpError, resourceError, usageError } from '../../client/errors.js';
import { collect, globalsOf } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { failureOf, openSession } from '../../client/session.js';
import { err, formatTime, out, paintStatus } from '../output.js';
import { confirm, interactive } from '../prompt.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30d`, `12h`, `90m` from now, or an RFC 3339 time as given (the server validates it). */
export function parseExpiry(raw: string, now = Date.now()): string {
  const rel = /^(\d+)([dhm])$/.exec(raw.trim());
  if (rel) {
    const ms = Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
    if (ms > 0 && Number.isSafeInteger(now + ms)) return new Date(now + ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(Date.parse(raw))) return raw;
  throw new InvalidArgumentError('Use <n>d, <n>h or <n>m (e.g. 30d), or an RFC 3339 time.');
}

interface TokenLike {
  id: string; name: string; scopes: string[]; namespaces: string[]; expire_at: string | null;
}

function statusOf(t: { revoked_at: string | null; expire_at: string | null }, now = Date.now()): string {
  if (t.revoked_at) return 'revoked';
  if (t.expire_at && Date.parse(t.expire_at) <= now) return 'expired';
  return 'active';
}

function printSummary(headline: string, t: TokenLike): void {
  err(headline);
  err(`  scopes: ${t.scopes.join(', ')}`);
  err(`  namespaces: ${t.namespaces.length ? t.namespaces.join(', ') : 'all'}`);
  err(`  expires: ${t.expire_at ? `${formatTime(t.expire_at)} UTC` : 'never'}`);
  err('Copy the token now — it will not be shown again.');
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage personal access tokens (needs the admin scope)');

  token
    .command('create <name>')
    .description('create a token; it is printed alone on stdout, once')
    .option('-s, --scope <scope>', 'scope, repeatable: <resource>:read|write or admin', collect)
    .option('-n, --namespace <namespace>', 'restrict to a namespace, repeatable (default: all)', collect)
    .option('-e, --expires <when>', 'lifetime (30d, 12h, 90m) or an RFC 3339 time (default: never)', (v: string) => parseExpiry(v))
    .action(async (name: string, opts: { scope?: string[]; namespace?: string[]; expires?: string }, cmd: Command) => {
      if (!opts.scope?.length) throw usageError('at least one --scope is required (e.g. -s deployments:read)');
      const s = openSession(globalsOf(cmd));
      const r = await s.client.POST('/tokens', {
        body: { name, scopes: opts.scope, namespaces: opts.namespace ?? [], ...(opts.expires ? { expire_at: opts.expires } : {}) },
      });
      if (!r.response.ok || !r.data) throw httpError(`Failed to create token '${name}'`, r);
      out(r.data.token);
      printSummary(`Token '${r.data.name}' created (id: ${r.data.id})`, r.data);
    });

  addListCommand(token, {
    kind: 'tokens', description: 'list your tokens (sessions from ring login are not shown)',
    fetch: (s) => s.client.GET('/tokens', {}),
    headers: ['Id', 'Name', 'Prefix', 'Scopes', 'Namespaces', 'Status', 'Created (UTC)', 'Last used (UTC)', 'Expires (UTC)'],
    row: (t) => [t.id, t.name, t.token_prefix, t.scopes.join(','), t.namespaces.length ? t.namespaces.join(',') : 'all',
      paintStatus(statusOf(t)), formatTime(t.created_at), formatTime(t.last_used_at), t.expire_at ? formatTime(t.expire_at) : 'never'],
  });

  token
    .command('revoke <id>')
    .description('revoke a token (asks for confirmation on a terminal)')
    .option('-y, --yes', 'do not ask (required when not on a terminal)')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      if (!opts.yes) {
        if (!interactive()) throw usageError(`refusing to revoke token '${id}' without confirmation: pass --yes`);
        if (!(await confirm(`Revoke token '${id}'? Whatever uses it will stop working`))) throw new CliError('Aborted.', EXIT.GENERAL);
      }
      const r = await s.client.DELETE('/tokens/{id}', { params: { path: { id } } });
      if (!r.response.ok) throw resourceError('token', id, r, s.baseUrl);
      out(`Token ${id} revoked`);
    });

  token
    .command('rotate <id>')
    .description('revoke a token and print its replacement (same name, scopes, namespaces, expiry) alone on stdout')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.POST('/tokens/{id}/rotate', { params: { path: { id } } });
      if (!r.response.ok || !r.data) {
        const f = failureOf(r);
        // 409: revoked or expired; the server's reason says which.
        throw f.status === 409 ? httpError(`Failed to rotate token '${id}'`, f) : resourceError('token', id, f, s.baseUrl);
      }
      out(r.data.token);
      printSummary(`Token '${r.data.name}' rotated: ${id} revoked, replaced by ${r.data.id}`, r.data);
    });
}
