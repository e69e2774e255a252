/**
 * `auxbus udevadm settle [-t SECONDS] [-E FILE]`: boot a machine and wait until udevd's queue is
 * empty, as udevadm settle 252 does (exit 1 on timeout); --json prints the outcome.
 */
import { udevadmSettle } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine, unswallow } from './machine-args.js';

interface SettleArgs extends MachineArgs {
  timeout?: string;
  exitIfExists?: string;
  json?: boolean;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('udevadm settle', io).description('wait for pending udev events'))
    .option('-t, --timeout <seconds>', 'maximum time to wait for events', '120')
    .option('-E, --exit-if-exists <file>', 'stop waiting if file exists')
    .option('--json', 'machine-readable output');
  return runCommand(cmd, unswallow(argv), io, () => {
    const o = cmd.opts<SettleArgs>();
    const timeoutSec = Number(o.timeout);
    if (!Number.isFinite(timeoutSec) || timeoutSec < 0) {
      io.stderr(`auxbus udevadm settle: Failed to parse timeout value '${o.timeout}'\n`);
      return ExitStatus.BAD_INPUT;
    }
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const { machine, udev } = live;
    const r = udevadmSettle(
      {
        running: udev.daemon.started,
        get idle() {
          return udev.daemon.isIdle;
        },
        settle: () => void machine.settle(),
        advance: (ms) => void machine.advance(ms),
        exists: (p) => machine.vfs.exists(p),
      },
      { timeoutSec, exitIfExists: o.exitIfExists },
    );
    if (o.json) io.stdout(`${JSON.stringify({ settled: r.status === 0, queue: udev.daemon.queue })}\n`);
    for (const line of r.err.split('\n').filter((l) => l.length > 0)) io.stderr(`auxbus udevadm settle: ${line}\n`);
    return r.status === 0 ? ExitStatus.OK : ExitStatus.FAILED;
  });
}
