// `ring completions bash|zsh|fish`: shell completion scripts generated from the command tree itself,
// so a new command or option is completed without anyone editing a script.
import { Command, Argument } from 'commander';
import { out } from '../output.js';

interface Node { path: string[]; subcommands: string[]; options: string[] }

function walk(cmd: Command, path: string[] = []): Node[] {
  const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const options = cmd.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((x): x is string => !!x));
  const here: Node = { path, subcommands: visible.flatMap((c) => [c.name(), ...c.aliases()]), options };
  return [here, ...visible.flatMap((c) => walk(c, [...path, c.name()]))];
}

export function bashScript(program: Command): string {
  const nodes = walk(program);
  const cases = nodes.map((n) => `    "${n.path.join(' ')}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`).join('\n');
  return `# bash completion for ring (source it: source <(ring completions bash))
_ring() {
  local cur path words i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "$(_ring_words "\${path:+$path }$w")" in "") ;; *) path="\${path:+$path }$w" ;; esac
  done
  COMPREPLY=($(compgen -W "$(_ring_words "$path")" -- "$cur"))
}
_ring_words() {
  local words=""
  case "$1" in
${cases}
  esac
  printf '%s' "$words"
}
complete -o default -F _ring ring
`;
}

export function zshScript(program: Command): string {
  return `#compdef ring
# zsh completion for ring (source it: source <(ring completions zsh))
autoload -U +X bashcompinit && bashcompinit
${bashScript(program)}`;
}

export function fishScript(program: Command): string {
  const lines = ['# fish completion for ring (ring completions fish > ~/.config/fish/completions/ring.fish)', 'complete -c ring -f'];
  for (const n of walk(program)) {
    const cond = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const sub of n.subcommands) lines.push(`complete -c ring -n '${cond}' -a '${sub}'`);
    for (const o of n.options) {
      if (o.startsWith('--')) lines.push(`complete -c ring -n '${cond}' -l '${o.slice(2)}'`);
      else lines.push(`complete -c ring -n '${cond}' -s '${o.slice(1)}'`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerCompletions(program: Command): void {
  program
    .command('completions')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', '\nExamples:\n  source <(ring completions bash)\n  ring completions fish > ~/.config/fish/completions/ring.fish')
    .action((shell: 'bash' | 'zsh' | 'fish') => {
      const script = shell === 'bash' ? bashScript(program) : shell === 'zsh' ? zshScript(program) : fishScript(program);
      out(script.trimEnd());
    });
}
