/**
 * `auxbus demo` (what `npm start` runs): a narrated boot of the presets, the device tree with
 * bindings, and the uevent log of an auxiliary child being unbound from its kernel driver and
 * handed to the userspace driver, the DOE hand-off in four sysfs writes; then who owns the
 * mailbox while a process holds it, and what that process sees when the driver unbinds.
 */
import { DriverModelError } from '../base/index.js';
import { type Machine, createMachine, ownerName } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';
import { renderTree, renderUevents } from './render.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = newCommand('demo', io).description('a narrated tour: boot, split, unbind, hand-off');
  return runCommand(cmd, argv, io, () => {
    tour(io);
    return ExitStatus.OK;
  });
}

function tour(io: CliIo): void {
  const c = colors(io);
  const say = (text: string) => io.stdout(`\n${c.bold(c.underline(text))}\n`);
  const note = (text: string) => io.stdout(`${c.dim(text)}\n`);
  const shell = (text: string) => io.stdout(`${c.green('#')} ${text}\n`);

  const machine = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['doe_user'] });
  say('1. Boot: udevd starts, the PCI functions appear, udev loads their drivers by MODALIAS');
  machine.boot();
  ensureLoaded(machine, ['cxl_pci', 'mlx5_core', 'pci_doe']);
  note(`modules loaded: ${machine.modules.loaded.join(', ')}`);
  io.stdout(renderTree(machine, io));
  note('Each PCI driver split its function into auxiliary devices in probe(); the DOE mailboxes');
  note('of the CXL device are cxl_pci.doe.0 (CDAT), .1 (Compliance) and .2 (CMA/SPDM).');

  const root = machine.processes.root;
  const step = (text: string, action: () => void) => {
    const before = machine.uevent.log.length;
    shell(text);
    try {
      action();
      machine.settle();
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      io.stdout(`${c.red(`  → ${e.errno}`)} ${c.dim(e.message)}\n`);
    }
    io.stdout(renderUevents(machine.uevent.log.slice(before), io));
  };

  say('2. Take the compliance mailbox away from the kernel: unbind one auxiliary child');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.1\n'),
  );
  note('The unbind uevent carries no DRIVER=: dev->driver was cleared before it was sent.');
  note('The function and its other mailboxes keep their drivers.');

  say('3. Give it to the userspace driver: driver_override, then drivers_probe');
  step('echo doe_user.doe > /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', () =>
    root.writeFile('/sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', 'doe_user.doe\n'),
  );
  note('Writing driver_override binds nothing by itself: no uevent.');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers_probe', () => root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1\n'));
  note('doe_user created the class device and its node /dev/doe/cxl_pci.doe.1 in probe(),');
  note('so its add uevent comes before the bind of its parent.');

  say('4. The same write again: the kernel answers as it would');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/doe_user.doe/bind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/bind', 'cxl_pci.doe.1\n'),
  );
  step('cat /sys/bus/auxiliary/drivers/doe_user.doe/bind', () => {
    root.readFile('/sys/bus/auxiliary/drivers/doe_user.doe/bind');
  });

  say('5. A process takes the mailbox: the owner is whoever holds the open file');
  const mailbox = machine.findDevice('auxiliary:cxl_pci.doe.1');
  const owner = () => note(`owner of cxl_pci.doe.1: ${ownerName(mailbox)}`);
  owner();
  const tool = machine.processes.spawn('cxl-compliance', { uid: 0, gid: 0, caps: [] });
  const spdm = machine.processes.spawn('spdm-agent', { uid: 0, gid: 0, caps: [] });
  let fd = -1;
  step('cxl-compliance: open("/dev/doe/cxl_pci.doe.1", O_RDWR)', () => {
    fd = tool.open('/dev/doe/cxl_pci.doe.1', 'rw');
  });
  owner();
  step('spdm-agent: open("/dev/doe/cxl_pci.doe.1", O_RDWR)', () => {
    spdm.open('/dev/doe/cxl_pci.doe.1', 'rw');
  });
  note('One holder at a time: the second open is refused, the first holder keeps it.');

  say('6. The driver goes away underneath the holder');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/doe_user.doe/unbind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', 'cxl_pci.doe.1\n'),
  );
  step('cxl-compliance: read(fd)', () => {
    tool.read(fd);
  });
  note('The open file outlives the device: every operation fails with ENODEV, but close works.');
  step('cxl-compliance: close(fd)', () => tool.close(fd));
  owner();

  say('7. The tree now');
  io.stdout(renderTree(machine, io));
}

/** Without udevd's autoload, load the parent and DOE drivers by hand so the tour still works. */
function ensureLoaded(machine: Machine, names: string[]): void {
  for (const name of names) {
    if (!machine.modules.isLoaded(name) && machine.modules.available.some((m) => m.name === name)) {
      machine.modprobe(name);
      machine.settle();
    }
  }
}
