// `ring completions bash|zsh|fish`: the bash script is valid bash and, sourced into a real bash, completes
// commands, subcommands and options from the live command tree (`ring context` included).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, ringCli, run } from '../../helpers/processes.js';

describe('ring completions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-completions.'));
  const script = join(dir, 'ring.bash');

  /** What bash offers after `ring <words…> <cur>`, with the script sourced. */
  async function complete(words: string[], cur: string): Promise<string[]> {
    const line = ['ring', ...words, cur].map((w) => `'${w}'`).join(' ');
    const r = await run('bash', ['--norc', '--noprofile', '-c',
      `source '${script}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length + 1}; _ring; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('bash: passes bash -n and completes commands, subcommands and options', async () => {
    try {
      const r = await ringCli(['completions', 'bash'], cliEnv(dir));
      assert.equal(r.code, 0, r.stderr);
      writeFileSync(script, r.stdout);
      const syntax = await run('bash', ['-n', script]);
      assert.equal(syntax.code, 0, syntax.stderr);
      assert.match(r.stdout, /^complete -o default -F _ring ring$/m);

      const top = await complete([], '');
      for (const c of ['apply', 'context', 'completions', 'deployment', 'namespace', 'user']) assert.ok(top.includes(c), top.join(' '));
      assert.deepEqual(await complete(['context'], ''), ['--output', '-o', 'configs', 'current-context', 'user-token'].sort());
      assert.deepEqual(await complete(['context'], 'cu'), ['current-context']);
      assert.deepEqual(await complete(['-c', 'prod', 'user'], 'l'), ['list'], 'options before the command are skipped');
      assert.ok((await complete(['deployment', 'logs'], '--')).includes('--follow'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('zsh and fish: scripts for the same tree; an unknown shell is a usage error (exit 2)', async () => {
    const zsh = await ringCli(['completions', 'zsh'], cliEnv(dir));
    assert.equal(zsh.code, 0, zsh.stderr);
    assert.match(zsh.stdout, /^#compdef ring\n/);
    assert.match(zsh.stdout, /bashcompinit/);
    const fish = await ringCli(['completions', 'fish'], cliEnv(dir));
    assert.equal(fish.code, 0, fish.stderr);
    assert.match(fish.stdout, /^complete -c ring -n '__fish_seen_subcommand_from context' -a 'user-token'$/m);
    assert.match(fish.stdout, /^complete -c ring -n '__fish_use_subcommand' -a 'context'$/m);
    const bad = await ringCli(['completions', 'powershell'], cliEnv(dir));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bash, zsh, fish/);
  });
});
