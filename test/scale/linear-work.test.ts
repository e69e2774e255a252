/**
 * Linear boot (issue #12): the work done per uevent must not grow with the number of devices.
 * Counts work, never time: sysfs directory entries built (a lookup that lists a directory to
 * find one name builds one entry per sibling), devices visited through DeviceCore.devices and
 * the bus/class/driver lists (KList), and event_is_blocked() checks of udevd's queue. One
 * machine of 100 functions and one of 400 — a fleet (the `presets` counts option): cxl-type3
 * devices behind CXL switches below root ports, so every event's sysfs walk crosses the switch
 * ports — both coldplugged with rules that read parent attributes (so every event walks sysfs up
 * to the host bridge): each count per uevent must stay within 1.25× (+0.5) between the two — a scan
 * over all devices per path step or per queue start would grow it fourfold (on the code before
 * this change, devices visited per uevent went from 14,115 to 57,085). Rules tokens evaluated
 * per uevent are counted too, and the sysfs entries three path walks to attributes build after
 * boot. A quarter of the functions are mlx5-nic: naming a netdev or an RDMA device
 * (__dev_alloc_name, alloc_name) tests names from the class's hint instead of walking every
 * device of the class (`classNameWork.probes`, counted per uevent too), and every NIC's queue
 * kobjects (`rx-0`, `tx-0`) share one udev device id, a chain of events udevd's queue must not
 * check again whenever its head leaves (the blocked checks would grow with the NICs).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KList } from '../../src/base/index.js';
import { DeviceCore, SysfsDirBuilder, classNameWork } from '../../src/bus/index.js';
import { rulesWork, UdevEventQueue } from '../../src/udev/index.js';
import { scaleMachine } from '../support/scale-machine.js';

const rules = [
  {
    name: '70-scale.rules',
    text: ['ATTRS{vendor}=="0x8086", ENV{SCALE_INTEL}="1"', 'ACTION=="add", TEST=="/sys/bus/pci/drivers/cxl_pci", ENV{SCALE_DRV}="1"'].join('\n'),
  },
];

interface Work {
  readonly events: number;
  readonly sysfsEntries: number;
  readonly devicesVisited: number;
  readonly blockedChecks: number;
  readonly rulesTokens: number;
  /** Names tested to find the lowest free number of a netdev/RDMA name pattern. */
  readonly nameProbes: number;
  /** Network interfaces registered (the NICs are part of the load). */
  readonly netdevs: number;
  /** sysfs entries built by three path walks to attributes after boot. */
  readonly lookupEntries: number;
  /** … by the walk to an attribute in a device's directory. */
  readonly deviceAttrEntries: number;
  /** PCI functions on the longest devpath (4: root port, switch ports, endpoint). */
  readonly depth: number;
}

function countBoot(functions: number): Work {
  let sysfsEntries = 0;
  let devicesVisited = 0;
  let blockedChecks = 0;
  for (const method of ['file', 'link', 'dir'] as const) {
    const original = SysfsDirBuilder.prototype[method] as (...a: unknown[]) => SysfsDirBuilder;
    vi.spyOn(SysfsDirBuilder.prototype, method).mockImplementation(function (this: SysfsDirBuilder, ...a: unknown[]) {
      sysfsEntries++;
      return original.apply(this, a);
    } as never);
  }
  const devicesGetter = Object.getOwnPropertyDescriptor(DeviceCore.prototype, 'devices')!.get!;
  vi.spyOn(DeviceCore.prototype, 'devices', 'get').mockImplementation(function (this: DeviceCore) {
    const it = devicesGetter.call(this) as IterableIterator<unknown>;
    return (function* () {
      for (const d of it) {
        devicesVisited++;
        yield d;
      }
    })() as never;
  });
  const klistIterator = KList.prototype[Symbol.iterator];
  vi.spyOn(KList.prototype, Symbol.iterator).mockImplementation(function* (this: KList<unknown>) {
    for (const d of { [Symbol.iterator]: () => klistIterator.call(this) }) {
      devicesVisited++;
      yield d;
    }
  } as never);
  const isBlocked = UdevEventQueue.prototype.isBlocked;
  vi.spyOn(UdevEventQueue.prototype, 'isBlocked').mockImplementation(function (this: UdevEventQueue<unknown>, e) {
    blockedChecks++;
    return isBlocked.call(this, e);
  });
  const m = scaleMachine(functions, { rules, cxlPerNic: 3 });
  const tokens0 = rulesWork.tokens;
  const probes0 = classNameWork.probes;
  m.boot();
  const rulesTokens = rulesWork.tokens - tokens0;
  const nameProbes = classNameWork.probes - probes0;
  const netdevs = m.uevent.log.filter((e) => e.action === 'add' && e.subsystem === 'net').length;
  const entries0 = sysfsEntries;
  m.vfs.stat('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/config');
  const deviceAttrEntries = sysfsEntries - entries0;
  m.vfs.stat('/sys/bus/pci/devices/0000:01:00.0/vendor');
  m.vfs.stat('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver/uevent');
  const lookupEntries = sysfsEntries - entries0;
  // The endpoints sit below a root port, a switch upstream port and a downstream port.
  const depth = Math.max(...[...m.core.devices].map((d) => (d.devpath.match(/\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g) ?? []).length));
  const work = {
    events: m.uevent.log.length,
    sysfsEntries: entries0,
    devicesVisited,
    blockedChecks,
    rulesTokens,
    nameProbes,
    netdevs,
    lookupEntries,
    deviceAttrEntries,
    depth,
  };
  vi.restoreAllMocks();
  m.dispose();
  return work;
}

describe('coldplug work per uevent', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stays constant from 100 to 400 PCI functions', () => {
    const small = countBoot(100);
    const large = countBoot(400);
    expect(large.events).toBeGreaterThan(3.5 * small.events);
    expect([small.depth, large.depth]).toEqual([4, 4]);
    expect([small.netdevs, large.netdevs]).toEqual([25, 100]);
    for (const figure of ['sysfsEntries', 'devicesVisited', 'blockedChecks', 'rulesTokens', 'nameProbes'] as const) {
      const perEventSmall = small[figure] / small.events;
      const perEventLarge = large[figure] / large.events;
      expect(
        perEventLarge,
        `${figure} per uevent: ${perEventSmall.toFixed(2)} at 100 functions, ${perEventLarge.toFixed(2)} at 400`,
      ).toBeLessThanOrEqual(1.25 * perEventSmall + 0.5);
    }
    // The rules did walk sysfs and run: the counts are not trivially zero.
    expect(large.sysfsEntries).toBeGreaterThan(large.events);
    expect(large.rulesTokens).toBeGreaterThan(large.events);
    expect(large.nameProbes).toBeGreaterThanOrEqual(2 * large.netdevs);
    // A path step to an attribute finds the one name: no directory map of the device's
    // attributes is built (before: every attribute of the device per step), and the walks
    // through /sys/bus build the same entries whatever the number of devices.
    expect(large.deviceAttrEntries).toBe(0);
    expect(large.lookupEntries).toBe(small.lookupEntries);
  });
});
