// Starts the TUI on the terminal and resolves once the user quits.
import { render } from 'ink';
import { App } from './App.js';
import type { TuiSource } from './source.js';

export interface RunTuiOptions {
  source: TuiSource;
  intervalMs: number;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

// The alternate screen keeps the user's scrollback intact and leaves nothing behind on exit.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const alt = Boolean(stdout.isTTY);
  if (alt) stdout.write(ENTER_ALT_SCREEN);
  const app = render(<App source={opts.source} intervalMs={opts.intervalMs} />, {
    stdout,
    stdin: opts.stdin ?? process.stdin,
    exitOnCtrlC: true,
    patchConsole: false,
  });
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    if (alt) stdout.write(LEAVE_ALT_SCREEN);
  }
}
