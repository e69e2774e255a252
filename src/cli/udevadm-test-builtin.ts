/**
 * `auxbus udevadm test-builtin [-a ACTION] COMMAND SYSPATH [MACHINE OPTIONS | --scenario FILE]`:
 * run one udev builtin (path_id, net_id, kmod load …) on a machine's device and print the
 * properties it sets, as udevadm 252's test-builtin does.
 */
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine, unswallow } from './machine-args.js';
import { createShellSession } from './shell/index.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('udevadm test-builtin', io).description('test a built-in command on a device'))
    .argument('<command>', 'the builtin and its arguments, one word (e.g. path_id, "net_id")')
    .argument('<syspath>', 'the device, /sys/… or /devices/…')
    .option('-a, --action <action>', 'the event action (default add)');
  return runCommand(cmd, unswallow(argv), io, () => {
    const o = cmd.opts<MachineArgs & { action?: string }>();
    const [command, syspath] = cmd.processedArgs as [string, string];
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const session = createShellSession(live.machine, live.udev);
    const r = session.runCommand(['udevadm', 'test-builtin', ...(o.action ? ['-a', o.action] : []), command, syspath], undefined);
    io.stdout(r.stdout);
    io.stderr(r.stderr.replace(/^udevadm: /gm, 'auxbus udevadm test-builtin: '));
    return r.status === 0
      ? ExitStatus.OK
      : r.stderr.includes('Invalid action') || r.stderr.includes('No such device')
        ? ExitStatus.BAD_INPUT
        : ExitStatus.FAILED;
  });
}
