/**
 * `auxbus demo` (what `npm start` runs): a narrated boot of the presets, the device tree with
 * bindings, and the uevent log of an auxiliary child being unbound from its kernel driver and
 * handed to the userspace driver, the DOE hand-off in four sysfs writes; then who owns the
 * mailbox while a process holds it, and what that process sees when the driver unbinds; then
 * a firmware tool on the NIC's fwctl device: scopes, the taint, revocation by rmmod.
 */
import { DriverModelError } from '../base/index.js';
import { type Machine, createMachine, fwctlInfo, fwctlRpc, ownerName } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';
import { showSplit } from './demo-nic.js';
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

  say('1b. The NIC split beside the CXL device: the class devices each function’s drivers made');
  showSplit(machine, io, note);

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

  say('7. A firmware tool holds the NIC’s fwctl device (fwctl1; the CXL device has fwctl0)');
  const fwtool = machine.processes.spawn('fwtool', { uid: 0, gid: 0, caps: [] });
  const nicFwctl = machine.findDevice('fwctl1');
  const prm = (opcode: number) => Uint8Array.from([opcode >> 8, opcode & 0xff, ...new Array<number>(14).fill(0)]);
  let ffd = -1;
  step('fwtool: open("/dev/fwctl/fwctl1", O_RDWR)', () => {
    ffd = fwtool.open('/dev/fwctl/fwctl1', 'rw');
  });
  note(`owner of fwctl1: ${ownerName(nicFwctl)}`);
  step('fwtool: ioctl(fd, FWCTL_INFO)', () => {
    const info = fwctlInfo(fwtool, ffd, 8);
    const v = new DataView(info.data.buffer);
    note(`  device type ${info.deviceType} (MLX5), firmware uid ${v.getUint32(0, true)}, uctx_caps 0x${v.getUint32(4, true).toString(16)}`);
  });
  step('fwtool: ioctl(fd, FWCTL_RPC, CONFIGURATION, QUERY_ADAPTER)', () => {
    note(`  out_len ${fwctlRpc(fwtool, ffd, 0, prm(0x101), 64).outLen}, status 0`);
  });
  step('fwtool: ioctl(fd, FWCTL_RPC, CONFIGURATION, NOP)', () => void fwctlRpc(fwtool, ffd, 0, prm(0x80d)));
  step('fwtool: ioctl(fd, FWCTL_RPC, DEBUG_WRITE_FULL, SET_DIAGNOSTIC_PARAMS)', () => void fwctlRpc(fwtool, ffd, 3, prm(0x820)));
  step('fwtool: ioctl(fd, FWCTL_RPC, DEBUG_WRITE, SET_DIAGNOSTIC_PARAMS)', () => void fwctlRpc(fwtool, ffd, 2, prm(0x820)));
  note(`NOP needs DEBUG_READ_ONLY (EBADMSG), DEBUG_WRITE_FULL needs CAP_SYS_RAWIO (EPERM); DEBUG_WRITE taints: "${machine.taint.letters}".`);
  step('rmmod mlx5_fwctl', () => machine.rmmod('mlx5_fwctl'));
  step('fwtool: ioctl(fd, FWCTL_INFO)', () => void fwctlInfo(fwtool, ffd, 8));
  note('The driver module unloads under the open file: fwctl1 is gone, the file answers ENODEV.');
  const refcnt = () =>
    note(`/sys/module/fwctl/refcnt: ${root.readFile('/sys/module/fwctl/refcnt').trim()} (cxl_fwctl uses it${ffd >= 0 ? ', and the open file' : ''})`);
  refcnt();
  step('fwtool: close(fd)', () => fwtool.close(ffd));
  ffd = -1;
  refcnt();
  note('The fwctl core, not the driver, is pinned by an open file: close always works and releases it.');

  say('8. The tree now');
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
