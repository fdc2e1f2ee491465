// `ring user list|create|update|delete`.
import { Command, Option } from 'commander';
import { httpError, resourceError, usageError } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { addListCommand } from '../list-command.js';
import { failureOf, openSession } from '../../client/session.js';
import { formatTime, out, paintStatus } from '../output.js';

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users');

  addListCommand(user, {
    kind: 'users', description: 'list users',
    fetch: (s) => s.client.GET('/users', {}),
    headers: ['ID', 'Created at (UTC)', 'Updated at (UTC)', 'Status', 'Username', 'Login at (UTC)'],
    row: (u) => [u.id, formatTime(u.created_at), formatTime(u.updated_at), paintStatus(u.status), u.username, formatTime(u.login_at)],
  });

  user
    .command('create')
    .description('create a user (role viewer)')
    .requiredOption('-u, --username <username>', 'user name')
    .requiredOption('-p, --password <password>', 'password (8–128 characters)')
    .action(async (opts: { username: string; password: string }, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.POST('/users', { body: { username: opts.username, password: opts.password } });
      if (!r.response.ok || !r.data) throw httpError(`Failed to create user '${opts.username}'`, r);
      out(`User '${r.data.username}' created (id: ${r.data.id})`);
    });

  user
    .command('update [id]')
    .description('update a user (yourself when no id is given)')
    .option('-u, --username <username>', 'new user name')
    .option('-p, --password <password>', 'new password')
    .addOption(new Option('--role <role>', 'new role (needs role admin)').choices(['admin', 'operator', 'viewer']))
    .action(async (id: string | undefined, opts: { username?: string; password?: string; role?: string }, cmd: Command) => {
      if (opts.username === undefined && opts.password === undefined && opts.role === undefined) {
        throw usageError('nothing to update: give --username, --password and/or --role');
      }
      const s = openSession(globalsOf(cmd));
      let target = id;
      if (target === undefined) {
        const me = await s.client.GET('/users/me', {});
        if (!me.response.ok || !me.data) throw resourceError('user', 'me', me, s.baseUrl);
        target = me.data.id;
      }
      const body: { username?: string; password?: string; role?: string } = {};
      if (opts.username !== undefined) body.username = opts.username;
      if (opts.password !== undefined) body.password = opts.password;
      if (opts.role !== undefined) body.role = opts.role;
      const r = await s.client.PUT('/users/{id}', { params: { path: { id: target } }, body });
      if (!r.response.ok) {
        const f = failureOf(r);
        if (f.status === 422 || f.status === 400) throw httpError(`Failed to update user '${target}'`, f);
        throw resourceError('user', target, f, s.baseUrl);
      }
      out(`User '${r.data?.username ?? target}' updated`);
    });

  user
    .command('delete <id>')
    .description('delete a user')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const s = openSession(globalsOf(cmd));
      const r = await s.client.DELETE('/users/{id}', { params: { path: { id } } });
      if (!r.response.ok) throw resourceError('user', id, r, s.baseUrl);
      out(`User ${id} deleted`);
    });
}
