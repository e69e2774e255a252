/**
 * The shell's `doe ACTION DEVICE`: `auxbus doe` on the live machine. DEVICE is a DOE auxiliary
 * device (`cxl_pci.doe.1`): the documented hand-off is done first when the mailbox is still the
 * kernel's (as root, as an administrator would: unbind pci_doe.doe, modprobe doe_user,
 * driver_override, drivers_probe — each printed as the command it stands for), then the current
 * process opens /dev/doe/DEVICE, exchanges and closes it; or a PCI function with `--mailbox N`:
 * raw config access to its N-th DOE capability, which the kernel refuses (EPERM) while it holds
 * the mailbox under aux-exclusive.
 */
import { kerr } from '../../base/index.js';
import { DOE_TOOL_ACTIONS, type DoeToolAction, doeToolAction, handOffDoeMailbox, rawDoeClient } from '../../machine/index.js';
import { jsonBigint, renderDoeResult } from '../doe-render.js';
import { getopt, last } from './getopt.js';
import type { ShellCommand } from './types.js';

const USAGE = `doe ${DOE_TOOL_ACTIONS.join('|')} DEVICE [--mailbox N] [--request NAME]`;

export const doeCommand: ShellCommand = {
  name: 'doe',
  usage: USAGE,
  summary: 'a DOE client: hand a mailbox to doe_user (if the kernel holds it) and discover, read CDAT, compliance or SPDM through /dev/doe',
  completes: (s, i) =>
    i === 1 ? DOE_TOOL_ACTIONS : i === 2 ? [...s.machine.core.devices].map((d) => d.name).filter((n) => n.includes('.doe.')) : [],
  run(ctx, args) {
    const p = getopt(args, [
      { long: 'mailbox', arg: true },
      { long: 'request', arg: true },
    ]);
    const [action, device] = p.args;
    if (p.args.length !== 2 || !(DOE_TOOL_ACTIONS as readonly string[]).includes(action!)) throw kerr('EINVAL', `usage: ${USAGE}`);
    const mailboxText = last(p, 'mailbox');
    const mailbox = mailboxText === undefined ? undefined : Number(mailboxText);
    if (mailbox !== undefined && !(Number.isInteger(mailbox) && mailbox >= 0 && mailbox < 256))
      throw kerr('EINVAL', `--mailbox ${mailboxText}: not a mailbox number`);
    const log: string[] = [];
    try {
      let fd: number | undefined;
      let client;
      if (mailbox === undefined) ({ client, fd } = handOffDoeMailbox(ctx.machine, ctx.proc, device!, log));
      else client = rawDoeClient(ctx.machine, ctx.proc, device!, mailbox);
      try {
        const result = doeToolAction(action as DoeToolAction, client, last(p, 'request') ?? 'capability');
        for (const l of log) ctx.out(`# ${l}\n`);
        ctx.out(renderDoeResult(result));
        ctx.data({ device, mailbox: mailbox ?? null, action, handoff: log, result: JSON.parse(JSON.stringify(result, jsonBigint)) as unknown });
      } finally {
        client.close();
        // The /dev/doe file is the process's (the transport leaves it to its opener): close it.
        if (fd !== undefined) {
          ctx.out(`# close ${fd}\n`);
          ctx.proc.close(fd);
        }
      }
    } catch (e) {
      for (const l of log) ctx.out(`# ${l}\n`);
      throw e;
    }
    return 0;
  },
};
