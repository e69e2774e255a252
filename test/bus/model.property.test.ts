/**
 * Property-based test of the driver core: random sequences of device add/remove, sysfs
 * bind/unbind, driver_override, drivers_probe, drivers_autoprobe, modprobe/rmmod, driver
 * register/unregister, device links, scheduler runs, and (issue #9) power/control writes, PCI
 * remove/rescan, and modprobe/rmmod by processes without CAP_SYS_MODULE. After every step the sysfs view must
 * equal the object model and the invariants of reference §7 must hold; only DriverModelError
 * may escape a step. A second property runs each sequence on two machines and requires
 * byte-identical uevent and kernel logs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError, type ErrnoName } from '../../src/base/index.js';
import { DL_FLAG, type Device, type DeviceDriver, type Uevent, devicePm, linkStates, ueventVar, ueventKeys } from '../../src/bus/index.js';
import type { Machine } from '../../src/machine/index.js';
import { type ProbeOutcome, type ToyBus, createToyMachine, toyModule } from '../support/toy-bus.js';

const TOP = ['a0', 'a1', 'b0', 'b1', 'c0', 'z0'] as const;
const KIDS = ['kid-a0', 'kid-a1'] as const;
const ANY_DEV = [...TOP, ...KIDS, 'nosuch'] as const;
const PLAIN_DRIVERS = ['a', 'b', 'b2'] as const;
const ALL_DRIVERS = [...PLAIN_DRIVERS, 'kid', 'ovr', 'c'] as const;
const MODULES = ['toy_base', 'toy-kid', 'toy_ovr'] as const;
const OVERRIDES = ['ovr\n', 'a', 'b2\n', '\n', 'nosuch', 'kid', 'c\0\0'] as const;
const OUTCOMES: ProbeOutcome[] = ['ok', 'EPROBE_DEFER', 'ENODEV', 'EIO'];
const PLAUSIBLE: [string, string][] = [
  ['a', 'a0'],
  ['a', 'a1'],
  ['b', 'b0'],
  ['b', 'b1'],
  ['b2', 'b0'],
  ['b2', 'b1'],
  ['kid', 'kid-a0'],
  ['kid', 'kid-a1'],
  ['c', 'c0'],
  ['ovr', 'a0'],
  ['ovr', 'b1'],
  ['ovr', 'kid-a0'],
  ['ovr', 'z0'],
];
/** power/control targets: toy devices and the PCI functions of the cxl-type3 preset. */
const POWER_TARGETS = ['a0', 'b0', 'kid-a0', '0000:0d:00.0', '0000:00:01.0'] as const;
const POWER_VALUES = ['auto', 'on\n', 'auto\n', 'bogus'] as const;
const PCI_OPS = ['remove-ep', 'remove-rp', 'rescan', 'bus-rescan'] as const;
const USER_MODULES = ['cxl_pci', 'toy_base', 'toy-kid'] as const;
const USER_CAPS: readonly (readonly string[])[] = [[], ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO']];
const LINK_FLAGS = [0, DL_FLAG.AUTOREMOVE_CONSUMER, DL_FLAG.AUTOREMOVE_SUPPLIER, DL_FLAG.AUTOPROBE_CONSUMER, DL_FLAG.STATELESS] as const;

type Step =
  | { readonly kind: 'add'; readonly name: string }
  | { readonly kind: 'remove'; readonly name: string }
  | { readonly kind: 'bind' | 'unbind'; readonly drv: string; readonly name: string }
  | { readonly kind: 'override'; readonly name: string; readonly value: string }
  | { readonly kind: 'drivers_probe'; readonly name: string }
  | { readonly kind: 'autoprobe'; readonly value: string }
  | { readonly kind: 'modprobe' | 'rmmod'; readonly mod: string }
  | { readonly kind: 'register' | 'unregister'; readonly drv: string }
  | { readonly kind: 'link'; readonly consumer: string; readonly supplier: string; readonly flags: number }
  /** device_add of a consumer whose link to `supplier` exists before it probes (fw_devlink-like). */
  | { readonly kind: 'add-linked'; readonly name: string; readonly supplier: string; readonly flags: number }
  | { readonly kind: 'outcome'; readonly name: string; readonly outcome: ProbeOutcome }
  | { readonly kind: 'settle' }
  | { readonly kind: 'power'; readonly target: string; readonly value: string }
  | { readonly kind: 'pci'; readonly op: (typeof PCI_OPS)[number] }
  | { readonly kind: 'modprobe-user' | 'rmmod-user'; readonly mod: string; readonly caps: readonly string[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), name: fc.constantFrom(...TOP) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('add-linked' as const),
      name: fc.constantFrom(...TOP),
      supplier: fc.constantFrom(...TOP, ...KIDS),
      flags: fc.constantFrom(...LINK_FLAGS),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), name: fc.constantFrom(...TOP) }) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        kind: fc.constantFrom('bind' as const, 'unbind' as const),
        // Mostly pairs that can match, sometimes anything.
        pair: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...PLAUSIBLE) },
          { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ALL_DRIVERS), fc.constantFrom(...ANY_DEV)) },
        ),
      })
      .map(({ kind, pair }) => ({ kind, drv: pair[0], name: pair[1] })),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('override' as const), name: fc.constantFrom(...ANY_DEV), value: fc.constantFrom(...OVERRIDES) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drivers_probe' as const), name: fc.constantFrom(...ANY_DEV) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('autoprobe' as const), value: fc.constantFrom('0', '1\n') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('modprobe' as const, 'rmmod' as const), mod: fc.constantFrom(...MODULES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('register' as const, 'unregister' as const), drv: fc.constantFrom(...PLAIN_DRIVERS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('link' as const),
      consumer: fc.constantFrom(...TOP, ...KIDS),
      supplier: fc.constantFrom(...TOP, ...KIDS),
      flags: fc.constantFrom(...LINK_FLAGS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('outcome' as const), name: fc.constantFrom('b0', 'b1'), outcome: fc.constantFrom(...OUTCOMES) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('power' as const), target: fc.constantFrom(...POWER_TARGETS), value: fc.constantFrom(...POWER_VALUES) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pci' as const), op: fc.constantFrom(...PCI_OPS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('modprobe-user' as const, 'rmmod-user' as const),
      mod: fc.constantFrom(...USER_MODULES),
      caps: fc.constantFrom(...USER_CAPS),
    }),
  },
);

const steps = fc.array(step, { minLength: 1, maxLength: 30, size: 'max' });

/** One simulated world: a machine, its toy bus, plain drivers and installed toy modules. */
class World {
  readonly machine: Machine;
  readonly toy: ToyBus;
  readonly plain = new Map<string, DeviceDriver>();
  readonly outcomes = new Map<string, ProbeOutcome>();
  /** Violations seen by listeners (checked after every step). */
  readonly violations: string[] = [];
  /** What each step did: 'ok', an errno, or 'skip'. */
  readonly results: string[] = [];
  #checkedEvents = 0;
  readonly #present = new Set<string>();
  readonly #bound = new Set<string>();

  constructor(seed?: number) {
    // The cxl-type3 preset adds a root port (pcieport) and an endpoint for the PCI steps.
    const { machine, toy } = createToyMachine({ presets: ['cxl-type3'], ...(seed === undefined ? {} : { policy: { kind: 'random', seed } }) });
    this.machine = machine;
    this.toy = toy;
    for (const e of machine.uevent.log) this.#present.add(e.devpath); // init events (buses)
    this.#checkedEvents = machine.uevent.log.length;
    machine.modules.install(toyModule('toy_base', [{ name: 'c', spec: { prefix: 'c', devres: ['rc'] } }]));
    machine.modules.install(toyModule('toy-kid', [{ name: 'kid', spec: { prefix: 'kid', devres: ['rk1', 'rk2'] } }], ['toy_base']));
    machine.modules.install(toyModule('toy_ovr', [{ name: 'ovr', spec: { overrideOnly: true, devres: ['ro'] } }], ['toy-base']));
    // A driver is bound only if the bus matched it at that instant (driver_override honoured).
    machine.notifier.onDidBindDriver((dev) => {
      if (dev.bus !== toy.bus) return;
      const drv = dev.driver;
      if (!drv) this.violations.push(`${dev.name}: BOUND_DRIVER without a driver`);
      else if (!(toy.bus.match!(dev, drv) > 0)) this.violations.push(`${dev.name}: bound to ${drv.name} without a match`);
    });
    for (const name of PLAIN_DRIVERS) this.#register(name);
  }

  /** The `driver` link exists while probe() runs and is gone while remove() runs (§7.1). */
  readonly #hooks = {
    onProbe: (dev: Device) => {
      if (!this.machine.vfs.exists(`/sys${dev.devpath}/driver`)) this.violations.push(`${dev.name}: no driver link during probe`);
    },
    onRemove: (dev: Device) => {
      if (this.machine.vfs.exists(`/sys${dev.devpath}/driver`)) this.violations.push(`${dev.name}: driver link during remove`);
      if (!dev.driver) this.violations.push(`${dev.name}: dev.driver cleared before remove`);
    },
  };

  #spec(name: string) {
    switch (name) {
      case 'a':
        return { ...this.#hooks, prefix: 'a', devres: ['ra1', 'ra2'], children: (dev: Device) => (dev.parent ? [] : [`kid-${dev.name}`]) };
      case 'b':
        return { ...this.#hooks, prefix: 'b', devres: ['rb'], outcome: (dev: Device) => this.outcomes.get(dev.name) ?? 'ok' };
      default:
        return { ...this.#hooks, prefix: 'b' };
    }
  }

  #register(name: string): void {
    this.plain.set(name, this.toy.register(name, this.#spec(name)));
  }

  run(s: Step): void {
    const root = this.machine.processes.root;
    const toy = this.toy;
    const result = (fn: () => unknown): string => {
      try {
        fn();
        return 'ok';
      } catch (e) {
        if (DriverModelError.is(e)) return e.errno;
        throw e; // only DriverModelError may escape a step
      }
    };
    let r: string;
    switch (s.kind) {
      case 'add':
        r = result(() => toy.add(s.name));
        break;
      case 'remove': {
        const dev = toy.bus.findDevice(s.name);
        r = dev ? result(() => toy.remove(dev)) : 'skip';
        break;
      }
      case 'bind':
      case 'unbind':
        r = result(() => root.writeFile(`/sys/bus/toy/drivers/${s.drv}/${s.kind}`, `${s.name}\n`));
        break;
      case 'override':
        r = result(() => root.writeFile(`/sys/bus/toy/devices/${s.name}/driver_override`, s.value));
        break;
      case 'drivers_probe':
        r = result(() => root.writeFile('/sys/bus/toy/drivers_probe', s.name));
        break;
      case 'autoprobe':
        r = result(() => root.writeFile('/sys/bus/toy/drivers_autoprobe', s.value));
        break;
      case 'modprobe':
        r = result(() => this.machine.modules.modprobe(s.mod));
        break;
      case 'rmmod':
        r = result(() => this.machine.modules.rmmod(s.mod));
        break;
      case 'register':
        r = this.plain.has(s.drv) ? 'skip' : result(() => this.#register(s.drv));
        break;
      case 'unregister': {
        const drv = this.plain.get(s.drv);
        this.plain.delete(s.drv);
        r = drv ? result(() => toy.unregister(drv)) : 'skip';
        break;
      }
      case 'add-linked': {
        const supplier = toy.bus.findDevice(s.supplier);
        if (!supplier || toy.bus.findDevice(s.name)) {
          r = 'skip';
          break;
        }
        const dev = toy.create(s.name);
        r = this.machine.links.add(dev, supplier, s.flags) ? result(() => this.machine.core.add(dev)) : 'NULL';
        break;
      }
      case 'link': {
        const consumer = toy.bus.findDevice(s.consumer);
        const supplier = toy.bus.findDevice(s.supplier);
        // fw_devlink-style links are made before the consumer binds.
        r = consumer && supplier && !consumer.driver ? (this.machine.links.add(consumer, supplier, s.flags) ? 'ok' : 'NULL') : 'skip';
        break;
      }
      case 'outcome':
        this.outcomes.set(s.name, s.outcome);
        r = 'ok';
        break;
      case 'settle':
        r = result(() => this.machine.settle());
        break;
      case 'power': {
        const bus = s.target.startsWith('0000:') ? 'pci' : 'toy';
        r = result(() => root.writeFile(`/sys/bus/${bus}/devices/${s.target}/power/control`, s.value));
        break;
      }
      case 'pci': {
        const path = {
          'remove-ep': '/sys/bus/pci/devices/0000:0d:00.0/remove',
          'remove-rp': '/sys/bus/pci/devices/0000:00:01.0/remove',
          rescan: '/sys/bus/pci/rescan',
          'bus-rescan': '/sys/class/pci_bus/0000:00/rescan',
        }[s.op];
        r = result(() => root.writeFile(path, '1'));
        break;
      }
      case 'modprobe-user':
      case 'rmmod-user': {
        // A process without CAP_SYS_MODULE: nothing may load or unload (may_init_module, delete_module).
        const before = [...this.machine.modules.loaded].join();
        const caller = { hasCapability: (c: string) => s.caps.includes(c) };
        r = result(() => (s.kind === 'modprobe-user' ? this.machine.modprobe(s.mod, caller) : this.machine.rmmod(s.mod, caller)));
        if ([...this.machine.modules.loaded].join() !== before)
          this.violations.push(`${s.kind} ${s.mod} without CAP_SYS_MODULE changed the loaded modules`);
        if (!['EPERM', 'ENOENT', 'EBUSY', 'ok'].includes(r)) this.violations.push(`${s.kind} ${s.mod}: unexpected ${r}`);
        if (r === 'ok' && s.kind === 'rmmod-user') this.violations.push(`rmmod ${s.mod} succeeded without CAP_SYS_MODULE`);
        break;
      }
    }
    this.results.push(r);
  }

  /** The invariants; returns the list of violations (empty when all hold). */
  check(): string[] {
    const out = [...this.violations];
    const root = this.machine.processes.root;
    const bus = this.toy.bus;
    const sorted = (xs: Iterable<string>) => [...xs].sort();
    const devices = bus.devices;

    // /sys/bus/toy/devices and /sys/bus/toy/drivers list exactly the model.
    const listed = root.readdir('/sys/bus/toy/devices');
    if (listed.join() !== sorted(devices.map((d) => d.name)).join()) out.push(`bus devices ${listed} ≠ model`);
    const drivers = root.readdir('/sys/bus/toy/drivers');
    if (drivers.join() !== sorted(bus.drivers.map((d) => d.name)).join()) out.push(`bus drivers ${drivers} ≠ model`);

    const bindings = new Map<Device, number>();
    for (const dev of devices) {
      const dir = `/sys${dev.devpath}`;
      const st = this.machine.vfs.exists(dir) ? root.stat(dir) : undefined;
      if (st?.type !== 'dir') out.push(`${dev.name}: no directory at ${dir}`);
      const link = this.machine.sysfs.lookup(`/sys/bus/toy/devices/${dev.name}`, true);
      if (link.kind !== 'link' || link.target !== dir) out.push(`${dev.name}: bus link does not point at ${dir}`);
      const hasDriverLink = this.machine.vfs.exists(`${dir}/driver`);
      if (hasDriverLink !== Boolean(dev.driver)) out.push(`${dev.name}: driver link ${hasDriverLink} but driver ${dev.driver?.name}`);
      if (dev.driver) {
        const target = this.machine.sysfs.lookup(`${dir}/driver`, true);
        if (target.kind !== 'link' || target.target !== `/sys/bus/toy/drivers/${dev.driver.name}`)
          out.push(`${dev.name}: driver link points elsewhere`);
        if (!dev.driver.p.registered || !bus.drivers.includes(dev.driver)) out.push(`${dev.name}: bound to unregistered ${dev.driver.name}`);
      } else if (dev.p.devres.length > 0) {
        out.push(`${dev.name}: devres left while unbound: ${dev.p.devres.map((n) => n.name)}`);
      }
      if (dev.parent && !dev.parent.isRegistered) out.push(`${dev.name}: parent ${dev.parent.name} is gone`);
      // Managed links: a bound consumer has bound suppliers; status follows both ends.
      for (const l of dev.p.suppliers) {
        if (!l.managed) continue;
        const want = !l.supplier.driver ? linkStates.DORMANT : dev.driver ? linkStates.ACTIVE : linkStates.AVAILABLE;
        if (l.status !== want) out.push(`link ${l.device.name}: status ${l.status}, expected ${want}`);
        if (!l.device.isRegistered) out.push(`link ${l.device.name}: not registered`);
      }
    }
    for (const drv of bus.drivers) {
      const entries = root.readdir(`/sys/bus/toy/drivers/${drv.name}`).filter((n) => !['bind', 'unbind', 'uevent', 'module'].includes(n));
      if (entries.join() !== sorted(drv.devices.map((d) => d.name)).join())
        out.push(`driver ${drv.name}: links ${entries} ≠ bound ${drv.devices.map((d) => d.name)}`);
      for (const dev of drv.devices) {
        bindings.set(dev, (bindings.get(dev) ?? 0) + 1);
        if (dev.driver !== drv) out.push(`${dev.name}: on ${drv.name}'s list but driver is ${dev.driver?.name}`);
        if (!dev.isRegistered) out.push(`${dev.name}: unregistered but on ${drv.name}'s list`);
      }
    }
    for (const [dev, n] of bindings) if (n > 1) out.push(`${dev.name}: on ${n} driver lists`);
    for (const dev of devices) if (dev.driver && !bindings.has(dev)) out.push(`${dev.name}: driver set but on no list`);

    // power/: control follows runtime_auto; a bound PCI function is active; usage never negative.
    for (const dev of this.machine.core.devices) {
      if (dev.class?.name === 'devlink') continue;
      const pm = devicePm(dev);
      const dir = `/sys${dev.devpath}/power`;
      if (pm.usageCount < 0) out.push(`${dev.name}: runtime usage ${pm.usageCount}`);
      if (!pm.noCallbacks && root.readFile(`${dir}/control`) !== (pm.runtimeAuto ? 'auto\n' : 'on\n'))
        out.push(`${dev.name}: power/control disagrees`);
      if (dev.bus?.name === 'pci' && dev.driver && root.readFile(`${dir}/runtime_status`) !== 'active\n')
        out.push(`${dev.name}: bound PCI function not active`);
    }
    // PCI: /sys/bus/pci/devices is the bus's list; every bus behind a registered bridge has its pci_bus device.
    const pciBus = this.machine.buses.bus('pci')!;
    if (root.readdir('/sys/bus/pci/devices').join() !== sorted(pciBus.devices.map((d) => d.name)).join()) out.push('pci bus devices ≠ model');
    for (const dev of pciBus.devices) {
      const sub = (dev as { subordinate?: { name: string } }).subordinate;
      if (sub && !this.machine.vfs.exists(`/sys/class/pci_bus/${sub.name}`)) out.push(`${dev.name}: no pci_bus/${sub.name}`);
      if (dev.driver?.name === 'pcieport' && root.readdir('/sys/bus/pci_express/devices').filter((n) => n.startsWith(dev.name)).length !== 2)
        out.push(`${dev.name}: service devices missing`);
    }

    // uevents: SEQNUM strictly increasing; add before bind; unbind before remove; DRIVER iff bound.
    const log = this.machine.uevent.log;
    for (let i = this.#checkedEvents; i < log.length; i++) out.push(...this.#checkEvent(log[i - 1], log[i]!));
    this.#checkedEvents = log.length;
    return out;
  }

  #checkEvent(prev: Uevent | undefined, e: Uevent): string[] {
    const out: string[] = [];
    const p = e.devpath;
    if (prev && e.seqnum !== prev.seqnum + 1) out.push(`SEQNUM ${e.seqnum} after ${prev.seqnum}`);
    if (ueventVar(e, 'SEQNUM') !== String(e.seqnum) || ueventKeys(e).at(-1) !== 'SEQNUM') out.push(`${p}: SEQNUM not last`);
    if (ueventKeys(e).slice(0, 3).join() !== 'ACTION,DEVPATH,SUBSYSTEM') out.push(`${p}: header keys out of order`);
    const hasDriver = ueventVar(e, 'DRIVER') !== undefined;
    switch (e.action) {
      case 'add':
        if (this.#present.has(p)) out.push(`add of present ${p}`);
        if (hasDriver) out.push(`add ${p} with DRIVER`);
        this.#present.add(p);
        break;
      case 'bind':
        if (!this.#present.has(p)) out.push(`bind before add of ${p}`);
        if (this.#bound.has(p)) out.push(`second bind of ${p}`);
        if (!hasDriver) out.push(`bind ${p} without DRIVER`);
        this.#bound.add(p);
        break;
      case 'unbind':
        if (!this.#bound.has(p)) out.push(`unbind of unbound ${p}`);
        if (hasDriver) out.push(`unbind ${p} with DRIVER`);
        this.#bound.delete(p);
        break;
      case 'remove':
        if (!this.#present.has(p)) out.push(`remove of absent ${p}`);
        if (this.#bound.has(p)) out.push(`remove of ${p} without unbind`);
        if (hasDriver) out.push(`remove ${p} with DRIVER`);
        this.#present.delete(p);
        break;
      default:
        break;
    }
    return out;
  }
}

function runAndCheck(seq: readonly Step[]): void {
  const world = new World();
  for (const [i, s] of seq.entries()) {
    world.run(s);
    const violations = world.check();
    if (violations.length > 0) {
      throw new Error(`after step ${i} ${JSON.stringify(s)} (${world.results.at(-1)}):\n  ${violations.join('\n  ')}`);
    }
  }
  world.machine.settle();
  const violations = world.check();
  if (violations.length > 0) throw new Error(`after the final settle:\n  ${violations.join('\n  ')}`);
}

function transcript(seq: readonly Step[], seed: number): { uevents: string; kernel: string; results: string } {
  const world = new World(seed);
  for (const s of seq) world.run(s);
  world.machine.settle();
  return {
    uevents: JSON.stringify(world.machine.uevent.log),
    kernel: JSON.stringify(world.machine.log.records),
    results: world.results.join(),
  };
}

describe('driver core model (property)', () => {
  it('should keep sysfs equal to the object model and the §7 invariants after every step', () => {
    fc.assert(
      fc.property(steps, (seq) => {
        runAndCheck(seq);
      }),
      { numRuns: 200, seed: 0x5eed },
    );
  });

  it('should keep the invariants on a hand-written sequence touching every step kind', () => {
    const seq: Step[] = [
      { kind: 'modprobe', mod: 'toy-kid' },
      { kind: 'add', name: 'a0' },
      { kind: 'add', name: 'b0' },
      { kind: 'link', consumer: 'b1', supplier: 'a0', flags: 0 },
      { kind: 'outcome', name: 'b1', outcome: 'EPROBE_DEFER' },
      { kind: 'add', name: 'b1' },
      { kind: 'link', consumer: 'b1', supplier: 'a0', flags: DL_FLAG.AUTOPROBE_CONSUMER },
      { kind: 'override', name: 'a0', value: 'ovr\n' },
      { kind: 'modprobe', mod: 'toy_ovr' },
      { kind: 'drivers_probe', name: 'a0' },
      { kind: 'unbind', drv: 'a', name: 'a0' },
      { kind: 'drivers_probe', name: 'a0' },
      { kind: 'outcome', name: 'b1', outcome: 'ok' },
      { kind: 'settle' },
      { kind: 'rmmod', mod: 'toy_base' },
      { kind: 'rmmod', mod: 'toy_ovr' },
      { kind: 'unregister', drv: 'b' },
      { kind: 'autoprobe', value: '0' },
      { kind: 'register', drv: 'b' },
      { kind: 'bind', drv: 'b', name: 'b1' },
      { kind: 'remove', name: 'a0' },
      { kind: 'add', name: 'a0' },
      { kind: 'settle' },
      { kind: 'power', target: '0000:0d:00.0', value: 'auto' },
      { kind: 'modprobe-user', mod: 'cxl_pci', caps: [] },
      { kind: 'settle' },
      { kind: 'modprobe', mod: 'toy_base' },
      { kind: 'rmmod-user', mod: 'toy_base', caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] },
      { kind: 'pci', op: 'remove-ep' },
      { kind: 'power', target: '0000:00:01.0', value: 'on\n' },
      { kind: 'pci', op: 'rescan' },
      { kind: 'pci', op: 'remove-rp' },
      { kind: 'pci', op: 'bus-rescan' },
      { kind: 'power', target: 'a0', value: 'bogus' },
      { kind: 'settle' },
    ];
    runAndCheck(seq);
  });
});

describe('determinism (property)', () => {
  it('should give byte-identical uevent and kernel logs for the same sequence on two machines', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: 1000 }), (seq, seed) => {
        const one = transcript(seq, seed);
        const two = transcript(seq, seed);
        expect(two.uevents).toBe(one.uevents);
        expect(two.kernel).toBe(one.kernel);
        expect(two.results).toBe(one.results);
      }),
      { numRuns: 60, seed: 0xd37 },
    );
  });

  it('should record the errno of refused steps in the transcript', () => {
    const { results } = transcript(
      [
        { kind: 'bind', drv: 'a', name: 'nosuch' },
        { kind: 'add', name: 'a0' },
        { kind: 'add', name: 'a0' },
      ],
      1,
    );
    const expected: (ErrnoName | 'ok')[] = ['ENODEV', 'ok', 'EEXIST'];
    expect(results).toBe(expected.join());
  });
});
