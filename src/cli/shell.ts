/**
 * `auxbus shell [MACHINE OPTIONS] [--scenario FILE [--until N]] [-c 'CMD; CMD…']`: a shell over
 * one live machine. Three ways in:
 *
 * - `-c 'CMDS'`: run CMDS, print their output, exit 1 if any command failed (2: bad options);
 * - stdin not a terminal: run each line of stdin the same way;
 * - a terminal: an interactive prompt (node:readline) with tab completion of commands and of
 *   /sys, /dev, /proc paths, and history (↑/↓, `history`), kept across sessions in a file
 *   (shell-history.ts: AUXBUS_HISTORY, XDG_STATE_HOME); `exit` or Ctrl-D leaves.
 *
 * The interpreter is src/cli/shell/ (browser-safe); this file is only the terminal adapter.
 */
import { createInterface } from 'node:readline';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine } from './machine-args.js';
import { type ShellSession, complete, createShellSession } from './shell/index.js';
import { HISTORY_SIZE, ShellHistory, historyPath } from './shell-history.js';

export interface ShellInput {
  /** The whole of stdin when it is not a terminal (tests pass it here). */
  readonly stdin?: string;
  /** Whether stdin is a terminal (default: process.stdin.isTTY). */
  readonly tty?: boolean;
}

export async function run(argv: readonly string[], io: CliIo, input: ShellInput = {}): Promise<number> {
  const cmd = addMachineOptions(newCommand('shell', io).description('a shell over one live machine'))
    .option('-c, --command <commands>', "run COMMANDS (separated by ';') and exit")
    .option('--no-color', 'no colour in tree output');
  return runCommand(cmd, argv, io, async () => {
    const o = cmd.opts<MachineArgs & { command?: string; color: boolean }>();
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const session = createShellSession(live.machine, live.udev, { color: io.color && o.color });
    const print = (r: { stdout: string; stderr: string }) => {
      io.stdout(r.stdout);
      io.stderr(r.stderr);
    };
    if (o.command !== undefined) {
      print(session.execute(o.command));
      return session.failed ? ExitStatus.FAILED : ExitStatus.OK;
    }
    const tty = input.tty ?? Boolean(process.stdin.isTTY);
    if (!tty) {
      const text = input.stdin ?? (await readStdin());
      for (const line of text.split('\n')) {
        if (/^\s*(exit|quit)\s*$/.test(line)) break;
        print(session.execute(line));
      }
      return session.failed ? ExitStatus.FAILED : ExitStatus.OK;
    }
    return interactive(session, io);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function interactive(session: ShellSession, io: CliIo): Promise<number> {
  io.stdout(`auxbus shell — ${session.machine.options.presets.join(', ') || 'no presets'}; 'help' lists the commands, 'exit' leaves.\n`);
  const history = new ShellHistory(historyPath(), (m) => io.stderr(`${m}\n`));
  const kept = history.load();
  session.history.push(...kept);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    historySize: HISTORY_SIZE,
    // readline's history is newest first.
    history: [...kept].reverse(),
    completer: (line: string) => complete(session, line),
  });
  rl.setPrompt(session.prompt);
  rl.prompt();
  return new Promise((resolvePromise) => {
    rl.on('line', (line) => {
      if (/^\s*(exit|quit)\s*$/.test(line)) {
        rl.close();
        return;
      }
      history.add(line);
      const r = session.execute(line);
      io.stdout(r.stdout);
      io.stderr(r.stderr);
      rl.setPrompt(session.prompt);
      rl.prompt();
    });
    rl.on('close', () => {
      io.stdout('\n');
      resolvePromise(ExitStatus.OK);
    });
  });
}
