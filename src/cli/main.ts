// The `ring` command line: parses arguments, runs one command, maps failures to exit codes (RING.md §11).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from '../client/errors.js';
import { EXIT_CODES_HELP, registerApply } from './commands/apply.js';
import { registerDeployment } from './commands/deployment.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInit } from './commands/init.js';
import { registerLogin } from './commands/login.js';
import { registerNamespace } from './commands/namespace.js';
import { registerNode } from './commands/node.js';
import { registerServer } from './commands/server.js';
import { registerUser } from './commands/user.js';
import { registerToken } from './commands/token.js';
import { registerSecret } from './commands/secret.js';
import { registerConfig } from './commands/config.js';
import { registerWebhook } from './commands/webhook.js';
import { registerGitops } from './commands/gitops.js';
import { registerTui } from './commands/tui.js';
import { registerDiff } from './commands/diff.js';
import { registerCompletions } from './commands/completions.js';
import { registerVersion } from './commands/version.js';
import { outputOption, quietOption } from './kit.js';
import { ringConfigDirNotice } from '../config.js';
import { registerExport } from './commands/export.js';
import { registerContext } from './commands/context.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

export function buildProgram(): Command {
  const program = new Command('ring')
    .description('ring: a single-process container orchestrator')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .option('-c, --context <name>', 'context of config.toml to use (default: "default", else the one with current = true)')
    .option('--config <file>', 'config.toml to read (default: $RING_CONFIG_FILE, else $RING_CONFIG_DIR/config.toml)')
    .addHelpText('after', `
Environment:
  RING_URL    server URL, e.g. http://127.0.0.1:3030 (wins over config.toml)
  RING_TOKEN  bearer token (wins over auth.json from ring login)
${EXIT_CODES_HELP}`);

  registerInit(program);
  registerDoctor(program);
  registerServer(program);
  registerLogin(program);
  registerUser(program);
  registerToken(program);
  registerNamespace(program);
  registerNode(program);
  registerApply(program);
  registerDiff(program);
  registerDeployment(program);
  registerSecret(program);
  registerConfig(program);
  registerWebhook(program);
  registerGitops(program);
  registerTui(program);
  registerExport(program);
  registerContext(program);
  registerVersion(program, version());
  registerCompletions(program);

  // A Ring user's ~/.config/kemeter/ring in use (ours does not exist): said once per run, on stderr so
  // stdout stays parseable. `ring server` logs it instead, in the chosen log format;
  // `ring init` writes ours and says so.
  program.hook('preAction', (_program, action) => {
    for (let c: Command | null = action; c; c = c.parent) if ((c.name() === 'server' || c.name() === 'init') && c.parent === program) return;
    const notice = ringConfigDirNotice();
    if (notice) process.stderr.write(`note: ${notice}\n`);
  });

  for (const cmd of allCommands(program)) {
    if (cmd !== program && cmd.commands.length === 0) {
      // The global options are also accepted after the command (`ring deployment list --context prod`).
      const names = new Set(cmd.options.map((o) => o.long));
      // Every list/inspect/get speaks -o json|yaml and -q, whichever module defines it.
      if (['list', 'inspect', 'get'].includes(cmd.name())) {
        if (!names.has('--output')) cmd.addOption(outputOption());
        if (!names.has('--quiet')) cmd.addOption(quietOption());
      }
      if (!names.has('--context')) cmd.addOption(new Option('--context <name>').hideHelp());
      if (!names.has('--config')) cmd.addOption(new Option('--config <file>').hideHelp());
    }
    cmd.exitOverride();
    cmd.showSuggestionAfterError(true);
  }
  return program;
}

/** Runs the CLI; resolves with the exit code (also stored in process.exitCode). */
export async function main(argv: string[] = process.argv): Promise<number> {
  // `ring deployment list | head -1`: a closed pipe is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const program = buildProgram();
  let code: number = EXIT.OK;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') code = EXIT.OK;
      else if (e.code === 'commander.help') code = e.exitCode === 0 ? EXIT.OK : EXIT.AUTH;
      else code = EXIT.AUTH; // usage errors (commander already printed the message)
    } else if (e instanceof CliError) {
      if (e.message) process.stderr.write(`${e.message}\n`);
      code = e.exitCode;
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      code = EXIT.GENERAL;
    }
  }
  process.exitCode = code;
  return code;
}
