// Interactive questions, only ever asked on a TTY.
import { createInterface } from 'node:readline';

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks a question on stderr; `hidden` echoes nothing (passwords). */
export function ask(question: string, opts: { hidden?: boolean; default?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const shown = opts.default ? `${question} [${opts.default}]: ` : `${question}: `;
    if (opts.hidden) {
      // Print the question ourselves, then swallow readline's echo of the typed characters.
      const r = rl as unknown as { _writeToOutput: (s: string) => void };
      let asked = false;
      r._writeToOutput = (s: string) => {
        if (!asked) {
          asked = true;
          process.stderr.write(s);
        }
      };
    }
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(new Error('cancelled'));
    });
    rl.question(shown, (answer) => {
      rl.close();
      if (opts.hidden) process.stderr.write('\n');
      const a = answer.trim();
      resolve(a === '' && opts.default !== undefined ? opts.default : opts.hidden ? answer : a);
    });
  });
}

export async function confirm(question: string): Promise<boolean> {
  const a = (await ask(`${question} [y/N]`)).toLowerCase();
  return a === 'y' || a === 'yes';
}
