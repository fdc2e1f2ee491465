// `ring node get`: the host the server runs on.
import { Command } from 'commander';
import { resourceError } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { emit } from '../emit.js';
import { openSession } from '../../client/session.js';
import { out, renderFields } from '../output.js';

const gib = (n: number) => `${n.toFixed(2)} GiB`;

export function registerNode(program: Command): void {
  const node = program.command('node').description('the host ring runs on');
  node
    .command('get', { isDefault: true })
    .description('show the host: hostname, OS, CPUs, memory, load')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.GET('/node/get', {});
      if (!r.response.ok || !r.data) throw resourceError('node', 'get', r, s.baseUrl);
      const n = r.data;
      emit(cmd, n, () => out(renderFields([
        ['Hostname', n.hostname],
        ['OS', n.os],
        ['Arch', n.arch],
        ['Uptime', n.uptime],
        ['CPUs', n.cpu_count],
        ['Memory total', gib(n.memory_total)],
        ['Memory available', gib(n.memory_available)],
        ['Load average', n.load_average.map((x) => x.toFixed(2)).join(', ')],
      ])));
    });
}
