// `ring namespace create|list|delete|audit|prune`.
import { Command } from 'commander';
import { CliError, EXIT, httpError, listError, resourceError } from '../../client/errors.js';
import { globalsOf, positiveInt } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { openSession } from '../../client/session.js';
import { err, formatTime, out, printTable } from '../output.js';

/** Deployment statuses `namespace prune` removes without --all: finished or failing ones. */
const PRUNABLE = new Set(['completed', 'failed', 'deleted', 'crash_loop_back_off', 'image_pull_back_off', 'create_container_error',
  'network_error', 'config_error', 'file_system_error', 'insufficient_resources', 'error']);

export function registerNamespace(program: Command): void {
  const ns = program.command('namespace').alias('ns').description('manage namespaces');

  ns
    .command('create <name>')
    .description('create a namespace')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.POST('/namespaces', { body: { name } });
      if (!r.response.ok || !r.data) throw httpError(`Failed to create namespace '${name}'`, r);
      out(`Namespace '${r.data.name}' created (id: ${r.data.id})`);
    });

  addListCommand(ns, {
    kind: 'namespaces', description: 'list namespaces',
    fetch: (s) => s.client.GET('/namespaces', {}),
    headers: ['Id', 'Name', 'Created at (UTC)'],
    row: (n) => [n.id, n.name, formatTime(n.created_at)],
  });

  ns
    .command('delete <name>')
    .description('delete an empty namespace')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.DELETE('/namespaces/{id}', { params: { path: { id: name } } });
      if (!r.response.ok) throw resourceError('namespace', name, r, s.baseUrl);
      out(`Namespace '${name}' deleted`);
    });

  ns
    .command('audit <name>')
    .description('who created, changed or deleted what in a namespace, newest first')
    .option('--limit <n>', 'number of entries (1-1000)', positiveInt('--limit'), 100)
    .action(async (name: string, opts: { limit: number }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.GET('/namespaces/{name}/audit', { params: { path: { name }, query: { limit: opts.limit } } });
      if (!r.response.ok || !r.data) throw resourceError('namespace', name, r, s.baseUrl);
      printTable(['Timestamp', 'User', 'Action', 'Type', 'Target'],
        r.data.map((a) => [formatTime(a.timestamp), a.username ?? a.user_id ?? '', a.action, a.target_type, a.target_name]));
    });

  ns
    .command('prune [namespace]')
    .description('delete finished or failing deployments (every deployment with --all)')
    .option('-a, --all', 'delete every deployment, running ones included')
    .action(async (namespace: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.GET('/deployments', { params: { query: namespace ? { namespace: [namespace] } : {} } });
      if (!r.response.ok || !r.data) throw listError('deployments', r, s.baseUrl, namespace ?? null);
      let deleted = 0;
      let skipped = 0;
      let failed = 0;
      for (const d of r.data) {
        if (!opts.all && !PRUNABLE.has(d.status)) {
          skipped++;
          continue;
        }
        const del = await s.client.DELETE('/deployments/{id}', { params: { path: { id: d.id } } });
        if (del.response.ok) {
          deleted++;
          out(`Deployment ${d.id} (${d.namespace}/${d.name}, ${d.status}) deleted`);
        } else {
          failed++;
          err(resourceError('deployment', d.id, del, s.baseUrl).message);
        }
      }
      out('Summary:');
      out(`  Deleted: ${deleted}`);
      out(`  Skipped (active): ${skipped}`);
      out(`  Failed: ${failed}`);
      if (failed > 0) throw new CliError('', EXIT.GENERAL);
    });
}
