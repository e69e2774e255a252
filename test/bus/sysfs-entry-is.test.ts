/**
 * `Sysfs.deviceEntryIs` — what an open device attribute asks on every read and write
 * (kernfs_get_active, test/userspace/sysfs-active.test.ts) — must give the answer a walk to
 * `/sys<devpath>/<name>` gives: true exactly when the walk ends at that attribute of that object.
 * Checked for every entry of every device directory of a booted machine, before and after its
 * driver unbinds and binds again, and for the shadowing orders of a device's directory (device
 * groups, then the bus's groups and links, then the driver's groups).
 */
import { describe, expect, it } from 'vitest';
import { type AnyAttribute, type Device, type Sysfs, attrRO } from '../../src/bus/index.js';
import type { Machine } from '../../src/machine/index.js';
import { bootMachine } from '../support/pci-machine.js';
import { createToyMachine } from '../support/toy-bus.js';

const other = attrRO('not-this-one', () => '\n');

/** Every name of every device directory (and one absent name): deviceEntryIs against the walk. */
function checkAll(m: Machine): number {
  const sysfs: Sysfs = m.sysfs;
  let files = 0;
  for (const dev of [...m.core.devices]) {
    const names = [...sysfs.deviceDir(dev).entries(), 'no-such-entry'];
    for (const name of names) {
      const node = sysfs.tryLookup(`/sys${dev.devpath}/${name}`, true);
      if (node?.kind === 'file') {
        files++;
        expect(sysfs.deviceEntryIs(dev, name, node.attr, node.obj), `${dev.devpath}/${name}`).toBe(true);
        expect(sysfs.deviceEntryIs(dev, name, node.attr, {}), `${dev.devpath}/${name} of another object`).toBe(false);
        expect(sysfs.deviceEntryIs(dev, name, other as AnyAttribute<unknown>, node.obj), `${dev.devpath}/${name}, another attribute`).toBe(false);
      } else {
        expect(sysfs.deviceEntryIs(dev, name, other as AnyAttribute<unknown>, dev), `${dev.devpath}/${name} (${node?.kind})`).toBe(false);
      }
    }
  }
  return files;
}

describe('deviceEntryIs answers as the walk does', () => {
  it('for every entry of every device of a booted cxl-type3 machine, across an unbind and a bind', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    m.settle();
    expect(checkAll(m)).toBeGreaterThan(50);
    const fn = m.processes.root.readdir('/sys/bus/pci/drivers/cxl_pci').find((n) => /^[0-9a-f]{4}:/.test(n))!;
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', fn);
    m.settle();
    checkAll(m);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', fn);
    m.settle();
    checkAll(m);
    m.dispose();
  });

  it('when the bus, a named bus group or the driver shadows a device attribute of the same name', () => {
    const mine = (name: string): AnyAttribute<Device> => attrRO(name, () => 'device\n');
    const busFile = attrRO<Device>('shadowed', () => 'bus\n');
    const driverFile = attrRO<Device>('late', () => 'driver\n');
    const { machine, toy } = createToyMachine({}, [{ attrs: [busFile] }, { name: 'merged', attrs: [attrRO('inner', () => '\n')] }]);
    const drv = toy.register('alpha', { prefix: 'a', devGroups: [{ attrs: [driverFile] }] });
    const dev = toy.create('a0');
    dev.groups.push({ attrs: [mine('shadowed'), mine('merged'), mine('late'), mine('kept')] });
    machine.core.add(dev);
    machine.settle();
    expect(dev.driver).toBe(drv);
    checkAll(machine);
    const s = machine.sysfs;
    expect(s.deviceEntryIs(dev, 'shadowed', busFile as AnyAttribute<unknown>, dev)).toBe(true);
    expect(s.deviceEntryIs(dev, 'late', driverFile as AnyAttribute<unknown>, dev)).toBe(true);
    const kept = dev.groups.at(-1)!.attrs.find((a) => a.name === 'kept')!;
    expect(s.deviceEntryIs(dev, 'kept', kept as AnyAttribute<unknown>, dev)).toBe(true);
    const merged = dev.groups.at(-1)!.attrs.find((a) => a.name === 'merged')!;
    expect(s.deviceEntryIs(dev, 'merged', merged as AnyAttribute<unknown>, dev)).toBe(false);
    expect(s.tryLookup(`/sys${dev.devpath}/merged`)?.kind).toBe('dir');
  });
});
