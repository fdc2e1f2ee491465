// `ring secret create|list|delete` (RING.md §11.4). Values go in and never come back out.
import { Command } from 'commander';
import { CliError, EXIT, httpError, resourceError } from '../../client/errors.js';
import { globalsOf, isRecord } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { failureOf, openSession, type Session } from '../../client/session.js';
import { ask, confirm, interactive } from '../prompt.js';
import { err, formatTime, out } from '../output.js';

/** Without --value: asked for (hidden) on a TTY, else read from stdin, so it stays out of shell history and `ps`. */
async function valueFrom(opts: { value?: string }): Promise<string> {
  if (opts.value !== undefined) return opts.value;
  if (interactive()) return ask('Secret value', { hidden: true });
  if (process.stdin.isTTY) throw new CliError('error: no value given: use --value <value> or pipe it on stdin', EXIT.AUTH);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  // `echo value | ring secret create …` adds one newline that is not part of the value.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function deleteSecret(s: Session, id: string, force: boolean): Promise<void> {
  const r = await s.client.DELETE('/secrets/{id}', { params: { path: { id }, query: force ? { force: true } : {} } });
  if (r.response.ok) {
    out(`Secret ${id} deleted`);
    return;
  }
  const f = failureOf(r);
  const users = f.status === 409 && isRecord(f.body) && Array.isArray(f.body.deployments) ? f.body.deployments.map(String) : null;
  if (!users) throw resourceError('secret', id, f, s.baseUrl);
  const listing = [`Secret ${id} is referenced by deployments:`, ...users.map((u) => `  - ${u}`)].join('\n');
  if (interactive()) {
    err(listing);
    if (await confirm('Delete it anyway? Those deployments will fail to start new containers')) return deleteSecret(s, id, true);
    throw new CliError('Aborted: the secret was not deleted', EXIT.CONFLICT);
  }
  throw new CliError(`error: ${listing}\nUse --force (-f) to delete it anyway`, EXIT.CONFLICT);
}

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('manage secrets (values are encrypted and never shown)');

  secret
    .command('create <name>')
    .description('create a secret in a namespace')
    .requiredOption('-n, --namespace <namespace>', 'namespace of the secret (must exist)')
    .option('-v, --value <value>', 'the value (default: asked on a TTY, else read from stdin)')
    .action(async (name: string, opts: { namespace: string; value?: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const value = await valueFrom(opts);
      const r = await s.client.POST('/secrets', { body: { namespace: opts.namespace, name, value } });
      if (!r.response.ok || !r.data) throw httpError(`Failed to create secret '${name}'`, r);
      out(`Secret '${r.data.name}' created in namespace '${r.data.namespace}' (id: ${r.data.id})`);
    });

  addListCommand(secret, {
    kind: 'secrets', description: 'list secrets', namespaced: true,
    fetch: (s, namespace) => s.client.GET('/secrets', { params: { query: namespace ? { namespace } : {} } }),
    headers: ['Id', 'Name', 'Namespace', 'Created at (UTC)', 'Updated at (UTC)'],
    row: (x) => [x.id, x.name, x.namespace, formatTime(x.created_at), formatTime(x.updated_at)],
  });

  secret
    .command('delete <id>')
    .description('delete a secret (refused while deployments use it, unless --force)')
    .option('-f, --force', 'delete even if deployments reference it')
    .action(async (id: string, opts: { force?: boolean }, cmd: Command) => {
      await deleteSecret(openSession(globalsOf(cmd)), id, opts.force === true);
    });
}
