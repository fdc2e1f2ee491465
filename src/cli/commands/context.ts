// `ring context [configs|current-context|user-token]` (RING.md §11.4): what this CLI would talk to,
// read from config.toml and auth.json only (no server needed).
//   configs          the contexts of config.toml, table `Name, Host` (the default)
//   current-context  the context in use (-c/--context, else `default`, else `current = true`)
//   user-token       the bearer token this CLI would send for it, alone on stdout
// Where Ring is weak we do better: an unknown parameter is a usage error (Ring prints nothing, exit 0),
// a missing token or an unreadable config.toml is an error with its exit code (Ring panics or exits 0),
// and current-context prints fields instead of a Rust debug dump.
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError, EXIT, usageError } from '../../client/errors.js';
import { authFilePath, baseUrlOf, resolveConfig, tokenFor } from '../../client/session.js';
import type { RingConfig } from '../../config.js';
import { globalsOf, outputOption } from '../kit.js';
import { emit } from '../emit.js';
import { out, printTable, renderFields } from '../output.js';

const SUBCOMMANDS = ['configs', 'current-context', 'user-token'] as const;

/** config.toml as the CLI reads it; a file that does not parse is an error here (listing it is the point). */
function readContexts(cmd: Command): RingConfig {
  const config = resolveConfig(globalsOf(cmd));
  const invalid = config.warnings.find((w) => w.startsWith('invalid TOML'));
  if (invalid) throw new CliError(`error: cannot read the contexts: ${invalid}`, EXIT.GENERAL);
  return config;
}

function printConfigs(cmd: Command): void {
  const config = readContexts(cmd);
  const rows = config.contexts.map((c) => ({ name: c.name, host: c.host, scheme: c.scheme, port: c.port, current: c.name === config.current.name }));
  emit(cmd, rows, () => {
    printTable(['Name', 'Host'], rows.map((r) => [r.name, r.host]));
    if (rows.length === 0) {
      process.stderr.write(`no contexts: ${config.configFile} ${existsSync(config.configFile) ? 'has no [contexts.<name>] table' : 'does not exist'} (defaults: 127.0.0.1:3030)\n`);
    }
  });
}

function printCurrent(cmd: Command): void {
  const config = readContexts(cmd);
  const c = config.current;
  const fromFile = config.contexts.some((x) => x.name === c.name);
  const view = {
    name: c.name, host: c.host, scheme: c.scheme, port: c.port, url: baseUrlOf(config),
    config_file: config.configFile, from_file: fromFile,
  };
  emit(cmd, view, () => out(renderFields([
    ['Name', view.name],
    ['Host', view.host],
    ['URL', view.url],
    ['Config file', fromFile ? view.config_file : `${view.config_file} (not in the file: defaults)`],
  ])));
}

function printToken(cmd: Command): void {
  const config = readContexts(cmd);
  const token = tokenFor(config.current.name);
  if (!token) {
    throw new CliError(
      `error: no token for context '${config.current.name}' (none in ${authFilePath()}, RING_TOKEN unset): run \`ring login\` or set RING_TOKEN`,
      EXIT.AUTH,
    );
  }
  out(token);
}

export function registerContext(program: Command): void {
  const context = program
    .command('context')
    .description('show the contexts of config.toml, the one in use, or its token (default: configs)')
    .argument('[what]', `one of ${SUBCOMMANDS.join(', ')}`)
    .addOption(outputOption())
    // `ring context --context prod` (leaf commands get these hidden globals in main.ts; this one has children).
    .addOption(new Option('--context <name>').hideHelp())
    .addOption(new Option('--config <file>').hideHelp())
    .action((what: string | undefined, _opts: unknown, cmd: Command) => {
      // Only reached for `ring context` alone or an unknown word (known ones are subcommands).
      if (what !== undefined) throw usageError(`unknown context parameter '${what}' (expected ${SUBCOMMANDS.join(', ')})`);
      printConfigs(cmd);
    });
  context.command('configs').description('the contexts of config.toml: Name, Host').addOption(outputOption())
    .action((_opts: unknown, cmd: Command) => printConfigs(cmd));
  context.command('current-context').description('the context this CLI uses: name, host, URL, config file').addOption(outputOption())
    .action((_opts: unknown, cmd: Command) => printCurrent(cmd));
  context.command('user-token').description('the bearer token this CLI sends for the context in use (RING_TOKEN, else auth.json)')
    .action((_opts: unknown, cmd: Command) => printToken(cmd));
}
