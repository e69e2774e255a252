/**
 * Linear boot (issue #12): the work done per uevent must not grow with the number of devices.
 * Counts work, never time: sysfs directory entries built (a lookup that lists a directory to
 * find one name builds one entry per sibling), devices visited through DeviceCore.devices and
 * the bus/class/driver lists (KList), and event_is_blocked() checks of udevd's queue. One
 * machine of 100 functions and one of 400, both coldplugged with rules that read parent
 * attributes (so every event walks sysfs up to the host bridge): each count per uevent must stay
 * within 1.5× between the two — a scan over all devices per path step or per queue start would
 * grow it fourfold (on the code before this change, devices visited per uevent went from 14,115
 * to 57,085). Rules tokens evaluated per uevent are counted too, and the sysfs entries three
 * path walks to attributes build after boot.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KList } from '../../src/base/index.js';
import { DeviceCore, SysfsDirBuilder } from '../../src/bus/index.js';
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
  /** sysfs entries built by three path walks to attributes after boot. */
  readonly lookupEntries: number;
  /** … by the walk to an attribute in a device's directory. */
  readonly deviceAttrEntries: number;
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
  const m = scaleMachine(functions, { rules });
  const tokens0 = rulesWork.tokens;
  m.boot();
  const rulesTokens = rulesWork.tokens - tokens0;
  const entries0 = sysfsEntries;
  m.vfs.stat('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/config');
  const deviceAttrEntries = sysfsEntries - entries0;
  m.vfs.stat('/sys/bus/pci/devices/0000:01:00.0/vendor');
  m.vfs.stat('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver/uevent');
  const lookupEntries = sysfsEntries - entries0;
  const work = { events: m.uevent.log.length, sysfsEntries: entries0, devicesVisited, blockedChecks, rulesTokens, lookupEntries, deviceAttrEntries };
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
    for (const figure of ['sysfsEntries', 'devicesVisited', 'blockedChecks', 'rulesTokens'] as const) {
      const perEventSmall = small[figure] / small.events;
      const perEventLarge = large[figure] / large.events;
      expect(
        perEventLarge,
        `${figure} per uevent: ${perEventSmall.toFixed(2)} at 100 functions, ${perEventLarge.toFixed(2)} at 400`,
      ).toBeLessThanOrEqual(1.5 * perEventSmall + 1);
    }
    // The rules did walk sysfs and run: the counts are not trivially zero.
    expect(large.sysfsEntries).toBeGreaterThan(large.events);
    expect(large.rulesTokens).toBeGreaterThan(large.events);
    // A path step to an attribute finds the one name: no directory map of the device's
    // attributes is built (before: every attribute of the device per step), and the walks
    // through /sys/bus build the same entries whatever the number of devices.
    expect(large.deviceAttrEntries).toBe(0);
    expect(large.lookupEntries).toBe(small.lookupEntries);
  });
});
