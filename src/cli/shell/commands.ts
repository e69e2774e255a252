/**
 * The shell's command table: every command file's commands plus `help` and `history`. Order is
 * the order `help` lists them.
 */
import { fsCommands } from './commands-fs.js';
import { kernelCommands } from './commands-kernel.js';
import { procCommands } from './commands-proc.js';
import { udevCommands } from './commands-udev.js';
import { doeCommand } from './commands-doe.js';
import { driverctlCommand } from './driverctl.js';
import { lspciCommand } from './lspci.js';
import type { ShellCommand } from './types.js';

const help: ShellCommand = {
  name: 'help',
  usage: 'help [COMMAND]',
  summary: 'list the commands, or show one command’s usage',
  completes: 'commands',
  run(ctx, args) {
    const cmds = [...ctx.session.commands.values()];
    if (args.length > 0) {
      const c = ctx.session.commands.get(args[0]!);
      if (!c) {
        ctx.err(`help: no command '${args[0]}'\n`);
        return 1;
      }
      ctx.out(`usage: ${c.usage}\n  ${c.summary}\n`);
      return 0;
    }
    const w = Math.max(...cmds.map((c) => c.name.length));
    for (const c of cmds) ctx.out(`  ${c.name.padEnd(w)}  ${c.summary}\n`);
    ctx.out(
      '\nEvery command takes --json (one JSON object: command, status, stdout, stderr, data).\n`> FILE` writes a command’s output to a file of the machine; `;` separates commands.\n',
    );
    ctx.data(cmds.map((c) => ({ name: c.name, usage: c.usage, summary: c.summary })));
    return 0;
  },
};

const history: ShellCommand = {
  name: 'history',
  usage: 'history',
  summary: 'the commands typed so far',
  completes: 'none',
  run(ctx) {
    ctx.session.history.forEach((l, i) => ctx.out(`${String(i + 1).padStart(5)}  ${l}\n`));
    ctx.data([...ctx.session.history]);
    return 0;
  },
};

export const commandTable: readonly ShellCommand[] = [
  help,
  ...fsCommands,
  ...kernelCommands,
  lspciCommand,
  driverctlCommand,
  ...udevCommands,
  ...procCommands,
  doeCommand,
  history,
];
