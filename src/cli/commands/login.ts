// `ring login` / `ring logout`: session tokens kept per context in auth.json (mode 0600).
import { Command } from 'commander';
import { CliError, EXIT, httpError, connectionError } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { authFilePath, dropToken, openSession, storeToken } from '../../client/session.js';
import { err, out } from '../output.js';
import { ask, interactive } from '../prompt.js';

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in and keep the session token in auth.json')
    .option('-u, --username <username>', 'user name (asked on a terminal when omitted)')
    .option('-p, --password <password>', 'password (asked on a terminal when omitted)')
    .action(async (opts: { username?: string; password?: string }, cmd: Command) => {
      const session = openSession(globalsOf(cmd), { requireToken: false });
      let { username, password } = opts;
      if (username === undefined || password === undefined) {
        if (!interactive()) {
          throw new CliError('error: --username and --password are required when not running on a terminal', EXIT.AUTH);
        }
        username ??= await ask('Username');
        password ??= await ask('Password', { hidden: true });
      }
      out(`Logging in as ${username}`);
      const r = await session.client.POST('/login', { body: { username, password } });
      if (!r.response.ok || !r.data) throw httpError('Login failed', r);
      const file = storeToken(session.context, r.data.token);
      out(`Logged in to ${session.baseUrl} (context '${session.context}'); token saved in ${file}`);
      if (process.env.RING_TOKEN?.trim()) err('Note: RING_TOKEN is set and takes precedence over the saved token.');
    });

  program
    .command('logout')
    .description('revoke the session token and forget it')
    .action(async (_opts: unknown, cmd: Command) => {
      const session = openSession(globalsOf(cmd), { requireToken: false });
      if (!session.token) {
        out(`Not logged in (context '${session.context}').`);
        return;
      }
      let failure: CliError | undefined;
      try {
        const r = await session.client.POST('/logout', {});
        // 401: the token was already revoked or expired; forgetting it is all that is left to do.
        if (!r.response.ok && r.response.status !== 401) failure = httpError('Logout failed', r);
      } catch (e) {
        failure = connectionError(session.baseUrl, e);
      }
      const dropped = dropToken(session.context);
      if (failure) {
        if (dropped) err(`The token was removed from ${authFilePath()}, but the server could not revoke it:`);
        throw failure;
      }
      out(`Logged out (context '${session.context}').`);
    });
}
