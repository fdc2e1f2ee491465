// Starts the TUI on the terminal and resolves once the user quits.
import { render } from 'ink';
import { App } from './App.js';
import type { Theme } from './Lines.js';
import type { TuiSource } from './source.js';

export interface RunTuiOptions {
  source: TuiSource;
  intervalMs: number;
  namespace?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

// The alternate screen keeps the user's scrollback intact and leaves nothing behind on exit.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/** NO_COLOR (any non-empty value, no-color.org) drops colours; TERM=dumb/linux or RING_TUI_ASCII=1 draws ASCII bars. */
export function themeFrom(env: NodeJS.ProcessEnv): Theme {
  return {
    colour: !env.NO_COLOR,
    ascii: env.RING_TUI_ASCII === '1' || env.TERM === 'dumb' || env.TERM === 'linux',
  };
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const alt = Boolean(stdout.isTTY);
  if (alt) stdout.write(ENTER_ALT_SCREEN);
  const app = render(<App source={opts.source} intervalMs={opts.intervalMs} namespace={opts.namespace} theme={themeFrom(opts.env ?? process.env)} />, {
    stdout,
    stdin: opts.stdin ?? process.stdin,
    // ctrl-c is a key of the app (keys.ts quits on it); ink must not eat ctrl-d etc.
    exitOnCtrlC: false,
    patchConsole: false,
  });
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    if (alt) stdout.write(LEAVE_ALT_SCREEN);
  }
}
