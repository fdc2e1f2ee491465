// `ring server start`: runs the daemon in this process until SIGTERM/SIGINT.
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { configDir } from '../../config.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { resolveConfig } from '../../client/session.js';
import { out } from '../output.js';
import { createLogger, logFormatOf } from '../../logger.js';

/** RING_SECRET_KEY from the environment, else the content of `<configDir>/secret-key` (written by `ring init`). */
function secretKey(env: NodeJS.ProcessEnv): string | undefined {
  if (env.RING_SECRET_KEY && env.RING_SECRET_KEY.trim() !== '') return env.RING_SECRET_KEY;
  const file = join(configDir(env), 'secret-key');
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

export function registerServer(program: Command): void {
  const server = program.command('server').description('run the ring daemon');
  server
    .command('start', { isDefault: true })
    .description('start the API server and the reconciler (stops on SIGTERM/SIGINT)')
    .option('--dashboard', 'serve the web dashboard (not available in this build)')
    .action(async (opts: { dashboard?: boolean }, cmd: Command) => {
      const config = resolveConfig(globalsOf(cmd));
      // One logger from the first line on, so every start-up line (warnings, refusal, banner) follows
      // RING_LOG_FORMAT.
      const format = logFormatOf(process.env.RING_LOG_FORMAT);
      const log = createLogger(config.logLevel, undefined, format);
      const refuse = (reason: string): never => {
        if (format === 'text') throw new CliError(`Refusing to start: ${reason}`, EXIT.GENERAL);
        log.error(`Refusing to start: ${reason}`);
        throw new CliError('', EXIT.GENERAL);
      };
      const env: NodeJS.ProcessEnv = { ...process.env };
      const key = secretKey(env);
      if (key !== undefined) env.RING_SECRET_KEY = key;
      else delete env.RING_SECRET_KEY;

      let mod: typeof import('../../server/start.js');
      try {
        mod = await import('../../server/start.js');
      } catch (e) {
        return refuse(`cannot load the server: ${(e as Error).message}`);
      }
      let running: Awaited<ReturnType<typeof mod.startServer>>;
      try {
        running = await mod.startServer({ config, env, log });
      } catch (e) {
        return refuse(e instanceof mod.StartupError ? e.message : (e as Error).message ?? String(e));
      }

      const host = config.current.host;
      const lan = lanAddress();
      const network = (host === '0.0.0.0' || host === '::' || host === lan) && lan
        ? `${config.current.scheme}://${lan}:${config.current.port}`
        : '(no LAN address detected)';
      const dashboard = opts.dashboard || truthy(process.env.RING_DASHBOARD)
        ? 'not available in this build'
        : 'disabled (enable with --dashboard)';
      const banner = [
        `Ring ${mod.VERSION}  ready`,
        `➜  Local:     ${running.url}`,
        `➜  Network:   ${network}`,
        `➜  Dashboard: ${dashboard}`,
        `➜  Runtimes:  ${running.runtimes.join(', ') || 'none'}`,
      ];
      if (format === 'json') {
        // A log collector reading JSON lines gets the banner as lines it can parse.
        for (const line of banner) log.info(line);
      } else {
        log.flush(); // the start-up lines the logger still buffers (src/logger.ts) come before the banner
        out();
        out(`  ${banner[0]}`);
        out();
        for (const line of banner.slice(1)) out(`  ${line}`);
        out();
      }

      let stopping = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (stopping) {
          log.warn(`received ${signal} again: exiting now`);
          process.exit(1);
        }
        stopping = true;
        const force = setTimeout(() => {
          log.error('shutdown took longer than 15 s: exiting');
          process.exit(1);
        }, 15_000);
        force.unref();
        running.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            log.error(`error during shutdown: ${(e as Error).message ?? String(e)}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    });
}
