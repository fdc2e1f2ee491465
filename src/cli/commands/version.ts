// `ring version`: the CLI's version and the server's (the version of the API it serves, from its
// openapi.yaml), so a CI log shows both ends.
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { openSession } from '../../client/session.js';
import { globalsOf, outputOption } from '../kit.js';
import { emit } from '../emit.js';
import { out } from '../output.js';

export function registerVersion(program: Command, clientVersion: string): void {
  program
    .command('version')
    .description('show the client and server versions')
    .addOption(outputOption())
    .action(async (_opts: unknown, cmd: Command) => {
      let server: string | null = null;
      let serverError: string | undefined;
      try {
        const s = openSession(globalsOf(cmd), { requireToken: false });
        const r = await s.client.GET('/openapi.yaml', { parseAs: 'text' });
        if (r.response.ok && typeof r.data === 'string') {
          const doc = parseYaml(r.data) as { info?: { version?: unknown } };
          server = typeof doc?.info?.version === 'string' ? doc.info.version : null;
        } else serverError = `HTTP ${r.response.status}`;
      } catch (e) {
        serverError = e instanceof Error ? e.message.replace(/^error: /, '') : String(e);
      }
      const data = { client: clientVersion, server, ...(serverError ? { server_error: serverError } : {}) };
      emit(cmd, data, () => {
        out(`Client: ${clientVersion}`);
        out(`Server: ${server ?? `unknown (${serverError ?? 'no version'})`}`);
      });
    });
}
