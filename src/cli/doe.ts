/**
 * `auxbus doe discover|cdat|compliance|spdm DEVICE`: a DOE client on a simulated machine.
 * DEVICE is a DOE auxiliary device (`cxl_pci.doe.1`): the command performs the documented
 * hand-off first (unbind pci_doe.doe, driver_override doe_user.doe, drivers_probe) and talks
 * through /dev/doe/<DEVICE>; or a PCI function (`0000:0d:00.0`) with `--mailbox N`: raw config
 * access to its N-th DOE capability, which the kernel refuses (EPERM) while it holds the mailbox
 * under `aux-exclusive` and lets through, tainting U, under `--doe pci-core-shared`.
 * Exit 0 on success, 1 when the exchange failed, 2 on bad input.
 */
import { DriverModelError } from '../base/index.js';
import { DOE_TOOL_ACTIONS, type DoeToolAction, doeToolAction, handOffDoeMailbox, rawDoeClient } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { jsonBigint, renderDoeResult } from './doe-render.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine } from './machine-args.js';

const ACTIONS = DOE_TOOL_ACTIONS;
type Action = DoeToolAction;

/** How long the machine runs after boot before the tool acts: the kernel's DOE work is done. */
const SETTLE_MS = 200;

interface DoeArgs extends MachineArgs {
  mailbox?: string;
  request: string;
  json?: boolean;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('doe', io).description('DOE exchanges on a simulated machine'))
    .argument('<action>', `one of ${ACTIONS.join(', ')}`)
    .argument('<device>', 'a DOE auxiliary device (cxl_pci.doe.1) or a PCI function with --mailbox')
    .option('--mailbox <n>', 'raw config access to the N-th DOE capability of a PCI function')
    .option('--request <name>', 'compliance request (capability, status, halt, …)', 'capability')
    .option('--json', 'machine-readable output');
  cmd.setOptionValue('preset', ['cxl-type3']);
  return runCommand(cmd, argv, io, () => {
    const [action, device] = cmd.args as [string, string];
    const opts = cmd.opts<DoeArgs>();
    if (!(ACTIONS as readonly string[]).includes(action)) {
      io.stderr(`auxbus doe: unknown action '${action}' (${ACTIONS.join(', ')})\n`);
      return ExitStatus.BAD_INPUT;
    }
    const mailbox = opts.mailbox === undefined ? undefined : Number(opts.mailbox);
    if (mailbox !== undefined && !(Number.isInteger(mailbox) && mailbox >= 0 && mailbox < 256)) {
      io.stderr(`auxbus doe: --mailbox ${opts.mailbox}: not a mailbox number\n`);
      return ExitStatus.BAD_INPUT;
    }
    const live = openMachine(opts, io);
    if (typeof live === 'number') return live;
    const { machine } = live;
    machine.advance(SETTLE_MS);
    try {
      machine.findDevice(mailbox === undefined ? `auxiliary:${device}` : `pci:${device}`);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      io.stderr(`auxbus doe: no ${mailbox === undefined ? 'auxiliary' : 'PCI'} device '${device}' on this machine\n`);
      return ExitStatus.BAD_INPUT;
    }
    const proc = machine.processes.spawn('auxbus-doe', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] });
    const log: string[] = [];
    try {
      const client = mailbox === undefined ? handOffDoeMailbox(machine, proc, device, log).client : rawDoeClient(machine, proc, device, mailbox);
      const result = doeToolAction(action as Action, client, opts.request);
      client.close();
      if (opts.json)
        io.stdout(
          `${JSON.stringify({ device, mailbox: mailbox ?? null, action, handoff: log, result, taint: machine.taint.letters }, jsonBigint)}\n`,
        );
      else {
        for (const l of log) io.stdout(`# ${l}\n`);
        io.stdout(renderDoeResult(result));
        if (machine.taint.letters) io.stdout(`kernel taint: ${machine.taint.letters}\n`);
      }
      return ExitStatus.OK;
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      for (const l of log) io.stdout(`# ${l}\n`);
      io.stderr(`auxbus doe: ${action} ${device}: ${e.message} (${e.errno})\n`);
      return ExitStatus.FAILED;
    }
  });
}
