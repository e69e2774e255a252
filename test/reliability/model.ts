/**
 * The reliability model: random sequences of every user-visible operation on a machine with a CXL
 * type 3 device and an mlx5 NIC — hotplug, unplug, bind, unbind, driver_override, drivers_probe,
 * modprobe, rmmod, open, close, ioctl, DOE exchange (over /dev/doe and raw through config),
 * sriov_numvfs, udev trigger, rules reload — by root and an unprivileged user. After every step the
 * machine settles and every invariant is checked; a violated invariant is returned, never thrown.
 * Any failure other than the errno error class is a crash.
 *
 * Invariants:
 * - mailbox: at most one owner per DOE mailbox (pci_doe bound, a live /dev/doe file, or raw config
 *   access while nobody claims the range) and at most one config claim on it;
 * - vfio: at most one process holds a vfio group (through its /dev/vfio/N file);
 * - dma: no IOMMU group is owned by userspace (a vfio container) while a kernel DMA-API driver
 *   uses it, and its count of such users is the number of its members bound to one;
 * - revoked: once a DOE or fwctl file answered ENODEV, every later exchange (write/read) or
 *   FWCTL_INFO on it is ENODEV;
 * - devres: no devres left on an unbound device;
 * - uevents: each SEQNUM once, strictly increasing in the kernel's log;
 * - sysfs: every bus device is listed in /sys/bus/B/devices, its `driver` link exists iff it is
 *   bound, and names its driver.
 *
 * The checks cost per operation, not per device: a device's `driver` link is read after each step
 * in which a uevent named it (add, remove, move, bind, unbind — the kernel announces every change
 * of its links), and the whole of sysfs (every bus's device list, every driver's links, every
 * device's link) every FULL_EVERY steps and after the last one.
 */
import fc from 'fast-check';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { DriverModelError } from '../../src/base/index.js';
import { type Device, ueventVar } from '../../src/bus/index.js';
import { DoeUserDevice, doeMailboxOf, mlx5Opcodes } from '../../src/drivers/index.js';
import { type Machine, createMachine, machineUdev } from '../../src/machine/index.js';
import { IIommuCore, type IommuCore, PCI_DOE_CAP_SIZEOF, type PciDevice, toPciDriver } from '../../src/pci/index.js';
import { udevRulesFiles } from '../../src/udev/index.js';
import { cxlOpcodes, doeEncodeObject, doeProtocols, dwordsToBytes, encodeFwctlRpcCxl } from '../../src/protocols/index.js';
import { DevDoeTransport, type Process, RawConfigDoeTransport, fwctlInfo, fwctlRpc } from '../../src/userspace/index.js';

export type Op =
  | { op: 'hotplug'; preset: 'cxl-type3' | 'mlx5-nic' }
  | { op: 'unplug'; pick: number }
  | { op: 'bind'; pick: number; drv: number }
  | { op: 'unbind'; pick: number }
  | { op: 'override'; pick: number; value: string }
  | { op: 'drivers_probe'; pick: number }
  | { op: 'handoff'; pick: number; to: 'doe_user.doe' | 'vfio-pci' }
  | { op: 'modprobe'; module: string }
  | { op: 'rmmod'; module: string }
  | { op: 'open'; who: number; pick: number }
  | { op: 'close'; pick: number }
  | { op: 'ioctl'; pick: number }
  | { op: 'rpc'; pick: number; scope: number; payload: number }
  | { op: 'vfio'; pick: number; cmd: number; arg: number }
  | { op: 'doe'; pick: number; request: number }
  | { op: 'doe-raw'; pick: number; mailbox: number; request: number }
  | { op: 'sriov'; pick: number; n: number }
  | { op: 'trigger'; action: 'add' | 'change' }
  | { op: 'reload'; rules: number }
  | { op: 'advance'; ms: number };

export const OPERATIONS = [
  'hotplug',
  'unplug',
  'bind',
  'unbind',
  'override',
  'drivers_probe',
  'handoff',
  'modprobe',
  'rmmod',
  'open',
  'close',
  'ioctl',
  'rpc',
  'vfio',
  'doe',
  'doe-raw',
  'sriov',
  'trigger',
  'reload',
  'advance',
] as const;

const MODULES = ['cxl_pci', 'pci_doe', 'doe_user', 'fwctl', 'cxl_fwctl', 'mlx5_core', 'mlx5_fwctl', 'mlx5_ib', 'ib_uverbs', 'vfio_pci'];
const OVERRIDES = ['doe_user.doe', 'vfio-pci', '\n', 'pci_doe.doe', 'cxl_pci'];
const RULES = [
  [],
  [{ name: '70-doe.rules', text: 'SUBSYSTEM=="doe", MODE="0666"\n' }],
  [{ name: '70-override.rules', text: 'ACTION=="add", SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.2", ATTR{driver_override}="doe_user.doe"\n' }],
];

/** FWCTL_RPC inputs: a CXL Get Supported Features, an mlx5 QUERY_ADAPTER, and bytes neither driver accepts. */
const RPC_PAYLOADS: readonly Uint8Array[] = [
  encodeFwctlRpcCxl(cxlOpcodes.GET_SUPPORTED_FEATURES, Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0)),
  Uint8Array.of(mlx5Opcodes.QUERY_ADAPTER >> 8, mlx5Opcodes.QUERY_ADAPTER & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
  new Uint8Array(16).fill(0xff),
];

/** The vfio group and container ioctls (a group ioctl on a container file answers ENOTTY, and the reverse). */
const VFIO_IOCTLS = [
  'VFIO_GROUP_GET_STATUS',
  'VFIO_GROUP_SET_CONTAINER',
  'VFIO_GROUP_UNSET_CONTAINER',
  'VFIO_GROUP_GET_DEVICE_FD',
  'VFIO_GET_API_VERSION',
  'VFIO_CHECK_EXTENSION',
  'VFIO_SET_IOMMU',
] as const;

const n = fc.nat(63);
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<'cxl-type3' | 'mlx5-nic'>('cxl-type3', 'mlx5-nic').map((preset) => ({ op: 'hotplug' as const, preset })),
  n.map((pick) => ({ op: 'unplug' as const, pick })),
  fc.tuple(n, n).map(([pick, drv]) => ({ op: 'bind' as const, pick, drv })),
  n.map((pick) => ({ op: 'unbind' as const, pick })),
  fc.tuple(n, fc.constantFrom(...OVERRIDES)).map(([pick, value]) => ({ op: 'override' as const, pick, value })),
  n.map((pick) => ({ op: 'drivers_probe' as const, pick })),
  fc.tuple(n, fc.constantFrom<'doe_user.doe' | 'vfio-pci'>('doe_user.doe', 'vfio-pci')).map(([pick, to]) => ({ op: 'handoff' as const, pick, to })),
  fc.constantFrom(...MODULES).map((module) => ({ op: 'modprobe' as const, module })),
  fc.constantFrom(...MODULES).map((module) => ({ op: 'rmmod' as const, module })),
  fc.tuple(fc.nat(2), n).map(([who, pick]) => ({ op: 'open' as const, who, pick })),
  n.map((pick) => ({ op: 'close' as const, pick })),
  n.map((pick) => ({ op: 'ioctl' as const, pick })),
  fc.tuple(n, fc.nat(3), fc.nat(RPC_PAYLOADS.length - 1)).map(([pick, scope, payload]) => ({ op: 'rpc' as const, pick, scope, payload })),
  fc.tuple(n, fc.nat(VFIO_IOCTLS.length - 1), n).map(([pick, cmd, arg]) => ({ op: 'vfio' as const, pick, cmd, arg })),
  fc.tuple(n, fc.nat(1)).map(([pick, request]) => ({ op: 'doe' as const, pick, request })),
  fc.tuple(n, fc.nat(2), fc.nat(1)).map(([pick, mailbox, request]) => ({ op: 'doe-raw' as const, pick, mailbox, request })),
  fc.tuple(n, fc.nat(3)).map(([pick, k]) => ({ op: 'sriov' as const, pick, n: k })),
  fc.constantFrom<'add' | 'change'>('add', 'change').map((action) => ({ op: 'trigger' as const, action })),
  fc.nat(RULES.length - 1).map((rules) => ({ op: 'reload' as const, rules })),
  fc.integer({ min: 1, max: 200 }).map((ms) => ({ op: 'advance' as const, ms })),
);

/** DOE requests: Discovery of index 0 (every mailbox answers it) and a CXL compliance request (only the mailbox that lists it). */
const DOE_REQUESTS = [
  dwordsToBytes(doeEncodeObject(doeProtocols.DISCOVERY, new Uint8Array([0, 0, 0, 0]))),
  dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, new Uint8Array([0, 1, 0, 0]))),
];

export interface RunStats {
  operations: number;
  errnos: number;
  perOp: Record<string, number>;
  /** How operations ended, by `op` (`op/VFIO_CMD`, `op/scope N` for vfio and rpc) and `ok`, errno name or `none` (nothing to act on). */
  outcomes?: Record<string, Record<string, number>>;
}

export interface Violation {
  readonly step: number;
  readonly op: Op | 'boot';
  readonly invariant: string;
  readonly message: string;
}

interface OpenFile {
  readonly proc: Process;
  readonly fd: number;
  readonly path: string;
  revoked: boolean;
}

/** The i-th element, wrapping; a negative i counts from the end (directed sequences use it). */
const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[((i % xs.length) + xs.length) % xs.length]);

function devNodes(m: Machine): string[] {
  const out: string[] = [];
  for (const dir of ['/dev/doe', '/dev/fwctl', '/dev/vfio', '/dev/infiniband']) {
    try {
      for (const name of m.processes.root.readdir(dir)) out.push(`${dir}/${name}`);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
    }
  }
  return out.sort();
}

function busDevices(m: Machine) {
  return m.buses.buses.flatMap((b) => b.devices.map((d) => ({ bus: b, dev: d })));
}

type BusDevice = ReturnType<typeof busDevices>[number]['dev'];

/** Every step reads each device's own `driver` link at least this often (and after the last step). */
export const FULL_EVERY = 50;

/** The parties holding DOE mailbox `index` of `pdev`, and the config claims on it. */
function mailboxHolders(m: Machine, aux: readonly Device[], pdev: PciDevice, index: number): { parties: string[]; claims: number } {
  const parties: string[] = [];
  const cap = pdev.doeMailboxes[index]!.offset;
  const claims = pdev.exclusiveConfig.filter((c) => c.offset < cap + PCI_DOE_CAP_SIZEOF && cap < c.offset + c.size);
  const adev = aux.find((d) => {
    const mb = doeMailboxOf(d);
    return mb?.pdev === pdev && mb.index === index;
  });
  if (adev?.driver?.name === 'pci_doe.doe') parties.push('kernel');
  if (adev?.driverData instanceof DoeUserDevice && adev.driverData.holder) parties.push(`process ${adev.driverData.holder.owner}`);
  if (claims.length === 0 && m.lockdown.level === 'none' && pdev.isRegistered) parties.push('raw config');
  return { parties, claims: claims.length };
}

/** For tests of the model itself: plant a fault after a step settles, before its checks. */
export interface ModelHooks {
  afterStep?(m: Machine, step: number): void;
}

/**
 * Runs `ops` on a fresh machine, checking every invariant after boot and after each step.
 * Returns the first violation, or undefined. Throws only for a crash (a non-errno exception).
 */
export function runModel(ops: readonly Op[], stats?: RunStats, hooks?: ModelHooks): Violation | undefined {
  const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
  try {
    m.boot();
    const root = m.processes.root;
    const procs = [
      m.processes.spawn('alice', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] }),
      m.processes.spawn('bob', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] }),
      m.processes.spawn('user', { uid: 1000, gid: 1000, caps: [] }),
    ];
    const files: OpenFile[] = [];
    const sleeper = { sleep: (ms: number) => void m.advance(ms) };
    let seenEvents = 0;
    /** The bus devices as the last check saw them: the state the next operation starts from. */
    let all = busDevices(m);
    let lastSeq = -Infinity;

    /** Devpaths a uevent named since the last check: the devices whose sysfs may have changed. */
    const dirty = new Set<string>();
    /** The sysfs state of one bus device: listed by its bus, `driver` link iff bound, naming its driver. */
    const checkDevice = (bus: { name: string }, dev: BusDevice): string | undefined => {
      const base = `/sys/bus/${bus.name}/devices/${dev.name}`;
      let target: string | undefined;
      try {
        target = root.readlink(`${base}/driver`);
      } catch (e) {
        if (!DriverModelError.is(e, 'ENOENT')) throw e;
      }
      if ((target !== undefined) !== !!dev.driver)
        return `${base}/driver ${target !== undefined ? 'present' : 'absent'} but the device is ${dev.driver ? `bound to ${dev.driver.name}` : 'unbound'}`;
      if (dev.driver && !target!.endsWith(`/drivers/${dev.driver.name}`)) return `${base}/driver → ${target}, bound to ${dev.driver.name}`;
      return undefined;
    };

    /**
     * Every invariant. The sysfs part costs per operation, not per device: each device's own
     * `driver` link is read when a uevent named it since the last check (device_add, bind,
     * unbind… all send one); a `full` check also compares every bus's device list and every
     * driver's links with the object model (one readdir each) and reads every device's link.
     */
    const check = (step: number, op: Op | 'boot', full: boolean): Violation | undefined => {
      const v = (invariant: string, message: string): Violation => ({ step, op, invariant, message });
      all = busDevices(m);
      const aux = [...m.get<AuxiliaryBus>(IAuxiliaryBus).bus.devices];
      for (const { dev } of all) {
        if (dev.bus?.name !== 'pci') continue;
        const pdev = dev as PciDevice;
        for (let i = 0; i < (pdev.doeMailboxes?.length ?? 0); i++) {
          const h = mailboxHolders(m, aux, pdev, i);
          if (h.parties.length > 1 || h.claims > 1) return v('mailbox', `${pdev.name} mailbox ${i}: ${h.parties.join(', ')} (${h.claims} claims)`);
        }
      }
      // Per vfio group (the object behind a /dev/vfio/N file, not its path: a group that went
      // and a new one that reused its number are two groups), the processes holding it.
      const groupHolders = new Map<unknown, Set<string>>();
      for (const p of procs) {
        for (const f of p.openFiles.values()) {
          if (f.kind !== 'chr' || !f.path.startsWith('/dev/vfio/') || f.path === '/dev/vfio/vfio') continue;
          const group = f.file.privateData;
          if (!groupHolders.has(group)) groupHolders.set(group, new Set());
          groupHolders.get(group)!.add(p.name);
          if (groupHolders.get(group)!.size > 1) return v('vfio', `${f.path}: one group held by ${[...groupHolders.get(group)!].join(', ')}`);
        }
      }
      for (const g of m.get<IommuCore>(IIommuCore).groups) {
        const kernelUsers = g.devices.filter((d) => d.driver && !toPciDriver(d.driver)?.driverManagedDma).length;
        if (g.owner !== undefined && g.defaultDomainUsers > 0)
          return v('dma', `iommu group ${g.id}: owned by userspace and used by ${g.defaultDomainUsers} kernel driver(s)`);
        if (g.defaultDomainUsers !== kernelUsers)
          return v('dma', `iommu group ${g.id}: ${g.defaultDomainUsers} default-domain users, ${kernelUsers} members bound to DMA-API drivers`);
      }
      for (const { dev } of all) {
        if (!dev.driver && dev.p.devres.length > 0)
          return v('devres', `${dev.name}: unbound with devres ${dev.p.devres.map((d) => d.name).join(', ')}`);
      }
      for (const bus of full ? m.buses.buses : []) {
        const listed = root.readdir(`/sys/bus/${bus.name}/devices`).sort().join(' ');
        const model = bus.devices
          .map((d) => d.name)
          .sort()
          .join(' ');
        if (listed !== model) return v('sysfs', `/sys/bus/${bus.name}/devices lists [${listed}], the bus holds [${model}]`);
        const names = new Set(bus.devices.map((d) => d.name));
        for (const drv of bus.drivers) {
          const links = root
            .readdir(`/sys/bus/${bus.name}/drivers/${drv.name}`)
            .filter((e) => names.has(e))
            .sort()
            .join(' ');
          const bound = bus.devices
            .filter((d) => d.driver === drv)
            .map((d) => d.name)
            .sort()
            .join(' ');
          if (links !== bound) return v('sysfs', `/sys/bus/${bus.name}/drivers/${drv.name} links [${links}], bound are [${bound}]`);
        }
      }
      // Strictly increasing, so each SEQNUM once.
      const log = m.uevent.log;
      for (; seenEvents < log.length; seenEvents++) {
        const s = log[seenEvents]!.seqnum;
        if (s <= lastSeq) return v('uevents', `SEQNUM ${s} after ${lastSeq}`);
        lastSeq = s;
        const ev = log[seenEvents]!;
        // A device's links change only with add, remove, move, bind and unbind, each of which
        // the kernel announces; a synthetic uevent (a `uevent` write, SYNTH_UUID) changes nothing.
        if (ev.action !== 'change' && ev.action !== 'online' && ev.action !== 'offline' && !ueventVar(ev, 'SYNTH_UUID')) dirty.add(ev.devpath);
      }
      for (const { bus, dev } of all) {
        if (!full && !dirty.has(dev.devpath)) continue;
        const msg = checkDevice(bus, dev);
        if (msg) return v('sysfs', msg);
      }
      dirty.clear();
      return undefined;
    };

    let outcome = 'none';
    /** The operation found something to act on. */
    const act = (): true => {
      outcome = 'ok';
      return true;
    };

    /** close(2) of a file the model holds (once: its descriptor number may be reused later). */
    const closeFile = (f: OpenFile): void => {
      const i = files.indexOf(f);
      if (i < 0) return;
      files.splice(i, 1);
      f.proc.close(f.fd);
    };

    /** A file operation: ENODEV once means ENODEV forever. */
    const onFile = (f: OpenFile, fn: () => void): string | undefined => {
      try {
        outcome = 'ok';
        fn();
        if (f.revoked) return `${f.path}: succeeded after ENODEV`;
      } catch (e) {
        if (!DriverModelError.is(e)) throw e;
        outcome = e.errno;
        if (f.revoked && e.errno !== 'ENODEV') return `${f.path}: ${e.errno} after ENODEV`;
        if (e.errno === 'ENODEV') f.revoked = true;
      }
      return undefined;
    };

    const first = check(0, 'boot', true);
    if (first) return first;
    for (let step = 1; step <= ops.length; step++) {
      const o = ops[step - 1]!;
      if (stats) {
        stats.operations++;
        stats.perOp[o.op] = (stats.perOp[o.op] ?? 0) + 1;
      }
      let revokedViolation: string | undefined;
      /** `none` until the operation found something to act on. */
      outcome = 'none';
      try {
        const devs = all.filter(({ dev }) => dev.bus?.name === 'pci' || dev.bus?.name === 'auxiliary');
        const pciEndpoints = all
          .filter(({ dev }) => dev.bus?.name === 'pci' && (dev as PciDevice).doeMailboxes !== undefined && !dev.name.startsWith('0000:00:'))
          .map(({ dev }) => dev);
        switch (o.op) {
          case 'hotplug':
            act();
            m.hotplug(o.preset);
            break;
          case 'unplug': {
            const d = pick(pciEndpoints, o.pick);
            if (d && act()) m.unplug(d.name);
            break;
          }
          case 'bind': {
            const d = pick(devs, o.pick);
            const drv = d && pick(d.bus.drivers, o.drv);
            if (d && drv && act()) root.writeFile(`/sys/bus/${d.bus.name}/drivers/${drv.name}/bind`, d.dev.name);
            break;
          }
          case 'unbind': {
            const d = pick(
              devs.filter(({ dev }) => dev.driver),
              o.pick,
            );
            if (d && act()) root.writeFile(`/sys/bus/${d.bus.name}/drivers/${d.dev.driver!.name}/unbind`, d.dev.name);
            break;
          }
          case 'override': {
            const d = pick(devs, o.pick);
            if (d && act()) root.writeFile(`/sys/bus/${d.bus.name}/devices/${d.dev.name}/driver_override`, o.value);
            break;
          }
          case 'drivers_probe': {
            const d = pick(devs, o.pick);
            if (d && act()) root.writeFile(`/sys/bus/${d.bus.name}/drivers_probe`, d.dev.name);
            break;
          }
          case 'handoff': {
            // What an administrator (or driverctl set-override) does to hand a device to a user
            // space driver: load it, set driver_override, unbind the kernel driver, drivers_probe.
            const toDoe = o.to === 'doe_user.doe';
            const d = pick(
              all.filter(({ dev }) => (toDoe ? doeMailboxOf(dev) !== undefined : dev.bus?.name === 'pci' && !dev.name.startsWith('0000:00:'))),
              o.pick,
            );
            if (d && act()) {
              m.modprobe(toDoe ? 'doe_user' : 'vfio_pci');
              root.writeFile(`/sys/bus/${d.bus.name}/devices/${d.dev.name}/driver_override`, o.to);
              if (d.dev.driver) root.writeFile(`/sys/bus/${d.bus.name}/drivers/${d.dev.driver.name}/unbind`, d.dev.name);
              root.writeFile(`/sys/bus/${d.bus.name}/drivers_probe`, d.dev.name);
            }
            break;
          }
          case 'modprobe':
            act();
            m.modprobe(o.module);
            break;
          case 'rmmod':
            act();
            m.rmmod(o.module);
            break;
          case 'open': {
            const path = pick(devNodes(m), o.pick);
            const proc = procs[o.who]!;
            if (path && act()) files.push({ proc, fd: proc.open(path, 'rw'), path, revoked: false });
            break;
          }
          case 'close': {
            const f = pick(files, o.pick);
            if (f && act()) closeFile(f);
            break;
          }
          case 'ioctl': {
            const f = pick(files, o.pick);
            // FWCTL_INFO is tracked; an unknown ioctl is answered before the revocation check
            // on some files (the kernel's cmd-range test comes first), so it is only exercised.
            if (f?.path.startsWith('/dev/fwctl/')) revokedViolation = onFile(f, () => void fwctlInfo(f.proc, f.fd));
            else if (f && act()) f.proc.ioctl(f.fd, 0x3b64);
            break;
          }
          case 'rpc': {
            const f = pick(
              files.filter((x) => x.path.startsWith('/dev/fwctl/')),
              o.pick,
            );
            if (f) revokedViolation = onFile(f, () => void fwctlRpc(f.proc, f.fd, o.scope, RPC_PAYLOADS[o.payload]!, 256));
            break;
          }
          case 'vfio': {
            const f = pick(
              files.filter((x) => x.path.startsWith('/dev/vfio/')),
              o.pick,
            );
            if (!f || !act()) break;
            const cmd = VFIO_IOCTLS[o.cmd]!;
            switch (cmd) {
              case 'VFIO_GROUP_SET_CONTAINER': {
                // A container of the same process, or (none open) the group file itself: EBADFD.
                const c = pick(
                  files.filter((x) => x.proc === f.proc && x.path === '/dev/vfio/vfio'),
                  o.arg,
                );
                f.proc.ioctl(f.fd, cmd, { fd: (c ?? f).fd });
                break;
              }
              case 'VFIO_GROUP_GET_DEVICE_FD': {
                // A member of the file's group, or (one time in five) any PCI function: ENODEV
                // unless it is a member.
                const members = m.get<IommuCore>(IIommuCore).group(Number(f.path.slice('/dev/vfio/'.length)))?.devices ?? [];
                const d = o.arg % 5 === 4 ? pick(all, o.arg)?.dev : pick(members, o.arg);
                const fd = f.proc.ioctl(f.fd, cmd, d?.name ?? '') as number;
                const file: OpenFile = { proc: f.proc, fd, path: 'anon_inode:[vfio-device]', revoked: false };
                files.push(file);
                // Half the device files belong to a VMM that answers the driver's request by
                // releasing the device 100 ms later (as QEMU unplugs it from the guest); the other
                // half ignore it, and an unbind waits for them (vfio_unregister_group_dev).
                if (o.arg % 2 === 0)
                  f.proc.ioctl(fd, 'VFIO_DEVICE_SET_IRQS', {
                    index: 'REQ',
                    trigger: () =>
                      void m.scheduler.queue('vmm releases the device', () => closeFile(file), {
                        delay: 100,
                      }),
                  });
                break;
              }
              default:
                f.proc.ioctl(f.fd, cmd, o.arg % 4);
            }
            break;
          }
          case 'doe': {
            // Exchanges go to DOE files only: a file without a write op answers EINVAL, revoked or not.
            const f = pick(
              files.filter((x) => x.path.startsWith('/dev/doe/')),
              o.pick,
            );
            if (f) revokedViolation = onFile(f, () => void new DevDoeTransport(f.proc, f.fd, sleeper).exchange(DOE_REQUESTS[o.request]!));
            break;
          }
          case 'doe-raw': {
            const d = pick(pciEndpoints, o.pick);
            if (d && act()) {
              const t = new RawConfigDoeTransport(procs[0]!, d.name, o.mailbox, sleeper);
              try {
                t.exchange(DOE_REQUESTS[o.request]!);
              } finally {
                t.close();
              }
            }
            break;
          }
          case 'sriov': {
            const d = pick(pciEndpoints, o.pick);
            if (d && act()) root.writeFile(`/sys/bus/pci/devices/${d.name}/sriov_numvfs`, String(o.n));
            break;
          }
          case 'trigger':
            act();
            for (const { dev } of busDevices(m)) {
              try {
                root.writeFile(`/sys${dev.devpath}/uevent`, o.action);
              } catch (e) {
                if (!DriverModelError.is(e)) throw e;
              }
            }
            break;
          case 'reload':
            act();
            machineUdev(m).daemon.reload(udevRulesFiles(RULES[o.rules]!, true));
            break;
          case 'advance':
            act();
            m.advance(o.ms);
            break;
        }
      } catch (e) {
        if (!DriverModelError.is(e)) throw e;
        outcome = e.errno;
      }
      if (stats) {
        if (outcome !== 'ok' && outcome !== 'none') stats.errnos++;
        if (stats.outcomes) {
          const key = o.op === 'vfio' ? `vfio/${VFIO_IOCTLS[o.cmd]}` : o.op === 'rpc' ? `rpc/scope ${o.scope}` : o.op;
          const row = (stats.outcomes[key] ??= {});
          row[outcome] = (row[outcome] ?? 0) + 1;
        }
      }
      m.settle();
      hooks?.afterStep?.(m, step);
      if (revokedViolation) return { step, op: o, invariant: 'revoked', message: revokedViolation };
      const v = check(step, o, step % FULL_EVERY === 0 || step === ops.length);
      if (v) return v;
    }
    return undefined;
  } finally {
    m.dispose();
  }
}
