/**
 * `auxbus demo` (what `npm start` runs): the DOE hand-off, narrated. Boot the presets and let the
 * kernel do its DOE work (Discovery, the CDAT read, SPDM authentication); see a raw userspace
 * exchange refused while the kernel holds the mailbox; hand one mailbox to the userspace driver
 * in sysfs writes, with their uevents; a process takes it, a second one is refused, and a real
 * CXL compliance exchange goes over /dev/doe; a second process takes the CMA/SPDM mailbox and
 * runs a CHALLENGE whose signature it verifies; the driver goes away under the holder; the tree
 * before and after; and the same raw exchange under mainline's policy, which lets it through and
 * taints the kernel; then a firmware tool on the NIC's fwctl device: scopes, the taint, revocation
 * by rmmod. Byte-identical output on every run.
 */
import { DriverModelError } from '../base/index.js';
import {
  ComplianceClient,
  type Machine,
  cxlCdatOf,
  createMachine,
  fwctlInfo,
  fwctlRpc,
  handOffDoeMailbox,
  hexBytes,
  ownerName,
  pciCmaResultOf,
  rawDoeClient,
  spdmSummary,
  spdmWalk,
  DEFAULT_SPDM_TRUST,
} from '../machine/index.js';
import type { PciDevice } from '../pci/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';
import { showSplit } from './demo-nic.js';
import { addRulesOptions, loadRules } from './machine-args.js';
import type { RulesText } from './rules-args.js';
import { renderTree, renderUevents } from './render.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('demo', io).description('a narrated tour: boot, split, unbind, hand-off'));
  return runCommand(cmd, argv, io, () => {
    const rules = loadRules(cmd.opts<{ rules: string[]; strict?: boolean }>(), io);
    if (typeof rules === 'number') return rules;
    tour(io, rules);
    return ExitStatus.OK;
  });
}

/** The tour; `rules` (from --rules) are installed in /etc/udev/rules.d of its machine. */
function tour(io: CliIo, rules: readonly RulesText[]): void {
  const c = colors(io);
  const say = (text: string) => io.stdout(`\n${c.bold(c.underline(text))}\n`);
  const note = (text: string) => io.stdout(`${c.dim(text)}\n`);
  const shell = (text: string) => io.stdout(`${c.green('#')} ${text}\n`);

  const machine = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['doe_user'], rules });
  const CXL = '0000:0d:00.0';
  say('1. Boot: udevd starts, the PCI functions appear, udev loads their drivers by MODALIAS');
  machine.boot();
  ensureLoaded(machine, ['cxl_pci', 'mlx5_core', 'pci_doe']);
  machine.advance(1000);
  note(`modules loaded: ${machine.modules.loaded.join(', ')}`);
  io.stdout(renderTree(machine, io));
  note('Each PCI driver split its function into auxiliary devices in probe(); the DOE mailboxes');
  note('of the CXL device are cxl_pci.doe.0 (CDAT), .1 (Compliance) and .2 (CMA/SPDM), each bound');
  note('to the kernel DOE driver pci_doe.doe, which claimed its 0x18 bytes of config space.');
  const pdev = machine.findDevice(CXL) as PciDevice;
  const cdat = cxlCdatOf(pdev);
  note(
    `In the first virtual second the kernel used them: CDAT read through mailbox 0 (${cdat?.ok ? `${cdat.table.length} bytes, checksum ${cdat.checksumOk ? 'ok' : 'bad'}` : 'failed'}),`,
  );
  note(`device authenticated over CMA/SPDM through mailbox 2 (${JSON.stringify(pciCmaResultOf(pdev))}).`);

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
  const tool = machine.processes.spawn('cxl-compliance', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  const spdm = machine.processes.spawn('spdm-agent', { uid: 0, gid: 0, caps: [] });

  say("2. A compliance tool tries the mailbox behind the kernel's back: raw config access");
  step(`cxl-compliance: pwrite(${CXL}/config, Write Data Mailbox of DOE 1) — a compliance Capability request`, () => {
    new ComplianceClient(rawDoeClient(machine, tool, CXL, 1)).capability();
  });
  note("While pci_doe.doe is bound, the capability's config range is the kernel's: EPERM, nothing written.");

  say('3. Take the compliance mailbox away from the kernel: unbind one auxiliary child');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.1\n'),
  );
  note('The unbind uevent carries no DRIVER=: dev->driver was cleared before it was sent.');
  note('The function and its other mailboxes keep their drivers.');

  say('4. Give it to the userspace driver: driver_override, then drivers_probe');
  step('echo doe_user.doe > /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', () =>
    root.writeFile('/sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', 'doe_user.doe\n'),
  );
  note('Writing driver_override binds nothing by itself: no uevent.');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers_probe', () => root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1\n'));
  note('doe_user created the class device and its node /dev/doe/cxl_pci.doe.1 in probe(),');
  note('so its add uevent comes before the bind of its parent.');

  say('5. The same write again: the kernel answers as it would');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/doe_user.doe/bind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/bind', 'cxl_pci.doe.1\n'),
  );
  step('cat /sys/bus/auxiliary/drivers/doe_user.doe/bind', () => {
    root.readFile('/sys/bus/auxiliary/drivers/doe_user.doe/bind');
  });

  say('6. A process takes the mailbox: the owner is whoever holds the open file');
  const mailbox = machine.findDevice('auxiliary:cxl_pci.doe.1');
  const owner = () => note(`owner of cxl_pci.doe.1: ${ownerName(mailbox)}`);
  owner();
  let fd = -1;
  step('cxl-compliance: open("/dev/doe/cxl_pci.doe.1", O_RDWR)', () => {
    fd = tool.open('/dev/doe/cxl_pci.doe.1', 'rw');
  });
  owner();
  step('spdm-agent: open("/dev/doe/cxl_pci.doe.1", O_RDWR)', () => {
    spdm.open('/dev/doe/cxl_pci.doe.1', 'rw');
  });
  note('One holder at a time: the second open is refused, the first holder keeps it.');

  say('7. A real compliance exchange through /dev/doe');
  const request = new Uint8Array([0x98, 0x1e, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
  shell(`cxl-compliance: write(fd, ${hexBytes(request)})  # 1e98:00, 3 dwords, Capability v1`);
  tool.write(fd, request);
  const t0 = machine.clock.now();
  let response: Uint8Array | undefined;
  while (!response) {
    try {
      response = tool.read(fd, 4096);
    } catch (e) {
      if (!DriverModelError.is(e) || e.errno !== 'EAGAIN') throw e;
      machine.advance(7);
    }
  }
  shell(`cxl-compliance: read(fd) = ${hexBytes(response)}`);
  const view = new DataView(response.buffer, response.byteOffset);
  note(`  after ${machine.clock.now() - t0} ms of virtual time (read answered EAGAIN while the device worked):`);
  note(`  response code ${response[8]}, version ${response[9]}, length ${response[10]}, status ${response[11]},`);
  note(`  available capabilities 0x${view.getUint32(12, true).toString(16)}, enabled 0x${view.getUint32(20, true).toString(16)}`);

  say('8. The CMA/SPDM mailbox goes to another process, which verifies the device itself');
  const log: string[] = [];
  let walk: ReturnType<typeof spdmSummary> | undefined;
  try {
    const { client } = handOffDoeMailbox(machine, spdm, 'cxl_pci.doe.2', log);
    for (const l of log) shell(l);
    walk = spdmSummary(spdmWalk(client, { trust: DEFAULT_SPDM_TRUST, seed: 'auxbus demo' }));
  } catch (e) {
    if (!DriverModelError.is(e)) throw e;
    io.stdout(`${c.red(`  → ${e.errno}`)} ${c.dim(e.message)}\n`);
  }
  if (walk) {
    note(`SPDM ${walk.version}, over /dev/doe/cxl_pci.doe.2:`);
    for (const st of walk.steps) note(`  ${st}`);
    note(`certificate chain, verified up to the trusted root:`);
    for (const cert of walk.certificates) note(`  ${cert}`);
    note(`CHALLENGE nonce     ${walk.nonce}`);
    note(`CHALLENGE_AUTH sig  ${walk.signature.slice(0, 64)}`);
    note(`                    ${walk.signature.slice(64, 128)}`);
    note(`                    ${walk.signature.slice(128)}`);
    io.stdout(`${c.green('✓')} signature verified (ECDSA P-384 over the SPDM 1.2 transcript) with the leaf certificate's key\n`);
    note(`${walk.measurements.length} signed measurement blocks verified as well.`);
  }

  say('9. The driver goes away underneath the holder');
  step('echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/doe_user.doe/unbind', () =>
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', 'cxl_pci.doe.1\n'),
  );
  step('cxl-compliance: read(fd)', () => {
    tool.read(fd);
  });
  note('The open file outlives the device: every operation fails with ENODEV, but close works.');
  step('cxl-compliance: close(fd)', () => tool.close(fd));
  owner();
  step(`cxl-compliance: the same raw exchange now that nobody holds mailbox 1`, () => {
    const cap = new ComplianceClient(rawDoeClient(machine, tool, CXL, 1)).capability();
    note(`  status ${cap.status}, available 0x${cap.available.toString(16)}; kernel taint: "${machine.taint.letters}"`);
  });

  say('10. A firmware tool holds the NIC’s fwctl device (fwctl1; the CXL device has fwctl0)');
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

  say('11. The tree now');
  io.stdout(renderTree(machine, io));

  say("12. The same raw exchange under mainline's policy (--doe pci-core-shared)");
  const shared = createMachine({ presets: ['cxl-type3'], doe: 'pci-core-shared', rules });
  shared.boot();
  shared.advance(1000);
  const sharedTool = shared.processes.spawn('cxl-compliance', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  note(
    `auxiliary DOE devices: ${shared.processes.root.readdir('/sys/bus/auxiliary/devices').filter((d) => d.includes('.doe.')).length}; the PCI core owns every mailbox.`,
  );
  shell(`cxl-compliance: pwrite(${CXL}/config, …) — the same Capability request`);
  const scap = new ComplianceClient(rawDoeClient(shared, sharedTool, CXL, 1)).capability();
  note(`  status ${scap.status}, available 0x${scap.available.toString(16)} — nothing stopped it; kernel taint: "${shared.taint.letters}"`);
  note('Nothing stops it racing the kernel either: examples/scenarios/doe-policy-pci-core-shared.yaml');
  note("shows userspace reading the kernel's CDAT response, and the kernel failing with EIO.");
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
