// `ring tui`: deployments and rolling updates, live, with k9s-style keys (tui/, ink + react).
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../../domain/durations.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { openSession } from '../../client/session.js';

function interval(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null || ms < 100) throw new InvalidArgumentError('expected a duration of at least 100ms, e.g. 1s, 500ms.');
  return ms;
}

export function registerTui(program: Command): void {
  program
    .command('tui')
    .description('live view of deployments and rollouts: ↑/↓ select, enter/d describe, l logs, / filter, :ns namespace, ctrl-d delete, ? help, q quit')
    .option('-n, --namespace <name>', 'start in this namespace (default: all visible to the token; :ns switches)')
    .addOption(new Option('--interval <duration>', 'refresh period').argParser(interval).default(1000, '1s'))
    .addHelpText('after', `
Keys: ↑/↓ j/k select · enter/d describe (inspect, events, health checks) · l logs (follow; tab: next
instance) · / filter · :ns NAME / :ns all switch namespace · ctrl-d delete (confirm: only y deletes)
· ctrl-r refresh · ? help · esc back · q quit. NO_COLOR drops colours; RING_TUI_ASCII=1 draws ASCII bars.`)
    .action(async (opts: { namespace?: string; interval: number }, cmd: Command) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new CliError('error: ring tui needs an interactive terminal (stdin and stdout must be a TTY)', EXIT.GENERAL);
      }
      const session = openSession(globalsOf(cmd));
      // ink renders only a final frame when it believes it runs in CI (is-in-ci reads CI at import);
      // a person at a terminal wants the live view whatever their shell exports.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      // ink and react are loaded only here: no other command pays for them.
      const [{ runTui }, { clientSource }] = await Promise.all([import('../../../tui/run.js'), import('../../../tui/source.js')]);
      await runTui({ source: clientSource(session), intervalMs: opts.interval, namespace: opts.namespace });
      // The user quit: the process ends now. The watch stream's aborted fetch can leave its keep-alive
      // socket to the server open, which held the process (and the terminal) for as long as the
      // server kept it. The timer is unref'd, so a process with nothing left exits on its own first.
      setTimeout(() => process.exit(process.exitCode ?? EXIT.OK), 250).unref();
    });
}
