// How a `command` health check's string becomes an argv (shared by the prober and the exports). Pure.
import { parse as shellParse } from 'shell-quote';

/** Characters whose meaning needs a shell; without them the command runs directly (no shell needed in the image). */
const SHELL_SYNTAX = /[$`|&;<>()*?[\]{}~#\n]/;

/** The argv a command check runs: shell words, or `/bin/sh -c` when it uses shell syntax. */
export function commandArgv(command: string): string[] {
  if (SHELL_SYNTAX.test(command)) return ['/bin/sh', '-c', command];
  const words = shellParse(command);
  if (!words.every((w): w is string => typeof w === 'string')) return ['/bin/sh', '-c', command];
  return words;
}
