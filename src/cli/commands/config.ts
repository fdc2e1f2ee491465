// `ring config list|inspect|delete` (RING.md §11.4). Configs are created by `ring apply`.
import { Command } from 'commander';
import type { components } from '../../client/index.js';
import { resourceError } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { emit } from '../emit.js';
import { openSession } from '../../client/session.js';
import { formatTime, out, renderFields, truncate } from '../output.js';

type Config = components['schemas']['Config'];

/** The data as indented JSON when it parses, else as stored. */
function prettyData(data: string): string {
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return data;
  }
}

function printConfig(c: Config): void {
  out(renderFields([
    ['Id', c.id],
    ['Name', c.name],
    ['Namespace', c.namespace],
    ['Created at (UTC)', formatTime(c.created_at)],
    ['Updated at (UTC)', formatTime(c.updated_at)],
    ['Labels', c.labels],
  ]));
  out('Data:');
  for (const line of prettyData(c.data).split('\n')) out(`  ${line}`);
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('list, inspect and delete configs (create them with ring apply)');

  addListCommand(config, {
    kind: 'configs', description: 'list configs', namespaced: true,
    fetch: (s, namespace) => s.client.GET('/configs', { params: { query: namespace ? { namespace } : {} } }),
    headers: ['Id', 'Name', 'Created at (UTC)', 'Updated at (UTC)', 'Namespace', 'Data'],
    row: (c) => [c.id, c.name, formatTime(c.created_at), formatTime(c.updated_at), c.namespace, truncate(c.data, 60)],
  });

  config
    .command('inspect <id>')
    .description('show one config with its data')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.GET('/configs/{id}', { params: { path: { id } } });
      if (!r.response.ok || !r.data) throw resourceError('config', id, r, s.baseUrl);
      const c = r.data;
      emit(cmd, c, () => printConfig(c));
    });

  config
    .command('delete <id>')
    .description('delete a config')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.DELETE('/configs/{id}', { params: { path: { id } } });
      if (!r.response.ok) throw resourceError('config', id, r, s.baseUrl);
      out(`Config ${id} deleted`);
    });
}
