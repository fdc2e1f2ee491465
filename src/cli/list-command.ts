// The `list` subcommand every resource group has (namespace, config, secret, token, user, webhook):
// one request, the CLI's list error on failure, then emit() — a table, json/yaml or ids with -q.
// Resources that can be filtered by namespace get -n/--namespace, passed to the fetch.
import type { Command } from 'commander';
import { listError, type FetchResult } from '../client/errors.js';
import { openSession, type Session } from '../client/session.js';
import { emit } from './emit.js';
import { globalsOf } from './kit.js';
import { printTable } from './output.js';

export interface ListCommandSpec<T> {
  /** Plural noun in error lines: "error: not authorized to list tokens". */
  kind: string;
  description: string;
  /** Adds -n/--namespace; its value (if any) is given to `fetch`. */
  namespaced?: boolean;
  fetch: (s: Session, namespace: string | undefined) => Promise<FetchResult & { data?: T[] }>;
  headers: string[];
  row: (item: T) => unknown[];
}

export function addListCommand<T>(parent: Command, spec: ListCommandSpec<T>): Command {
  const list = parent.command('list', { isDefault: true }).description(spec.description);
  if (spec.namespaced) list.option('-n, --namespace <namespace>', 'only this namespace');
  return list.action(async (opts: { namespace?: string }, cmd: Command) => {
    const s = openSession(globalsOf(cmd));
    const r = await spec.fetch(s, opts.namespace);
    if (!r.response.ok || !r.data) throw listError(spec.kind, r, s.baseUrl, spec.namespaced ? opts.namespace ?? null : undefined);
    const items = r.data;
    emit(cmd, items, () => printTable(spec.headers, items.map(spec.row)));
  });
}
