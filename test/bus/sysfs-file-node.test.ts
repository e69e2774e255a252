/**
 * The node an open device attribute holds (`of->kn`, kernfs_get_active; the syscall side is
 * test/userspace/sysfs-active.test.ts): found by a walk, it is active exactly while a walk to the
 * same path still finds that attribute of that object *from the same creation* — a file removed
 * with its group and made again by a later creation (a rebind's driver groups) is a new node, and
 * the old one stays inactive (fs/kernfs/dir.c: __kernfs_remove deactivates, kernfs_new_node makes
 * a new node). Checked for every file of every device directory of a booted machine across an
 * unbind and a bind, and for the shadowing orders of a device's directory.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAttribute, type Device, type SysfsFile, attrRO } from '../../src/bus/index.js';
import type { Machine } from '../../src/machine/index.js';
import { bootMachine } from '../support/pci-machine.js';
import { createToyMachine, errnoOf } from '../support/toy-bus.js';

/** Every attribute file of every device directory, as a walk finds it now. */
function openAll(m: Machine): Map<string, SysfsFile> {
  const out = new Map<string, SysfsFile>();
  for (const dev of [...m.core.devices]) {
    for (const name of m.sysfs.deviceDir(dev).entries()) {
      const path = `/sys${dev.devpath}/${name}`;
      const node = m.sysfs.tryLookup(path, true);
      if (node?.kind === 'file') out.set(path, node);
    }
  }
  return out;
}

/** Whether a walk to `path` now ends at `node`'s attribute of `node`'s object. */
function walkFinds(m: Machine, path: string, node: SysfsFile): boolean {
  const now = m.sysfs.tryLookup(path, true);
  return now?.kind === 'file' && now.attr === node.attr && now.obj === node.obj;
}

describe('an open device attribute node answers as the walk does, removal being for good', () => {
  it('for every file of every device of a booted cxl-type3 machine, across an unbind and a bind', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    m.settle();
    const before = openAll(m);
    expect(before.size).toBeGreaterThan(50);
    for (const [path, node] of before) expect(node.active?.(), path).toBe(true);
    const fn = m.processes.root.readdir('/sys/bus/pci/drivers/cxl_pci').find((n) => /^[0-9a-f]{4}:/.test(n))!;
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', fn);
    m.settle();
    const gone = new Set<string>();
    for (const [path, node] of before) {
      expect(node.active?.(), path).toBe(walkFinds(m, path, node));
      if (!walkFinds(m, path, node)) gone.add(path);
    }
    expect(gone.size).toBeGreaterThan(0);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', fn);
    m.settle();
    // Whatever left with the unbind stays gone for the nodes opened before, even where the bind
    // made a file of the same attribute again; the rest answers as the walk.
    for (const [path, node] of before) expect(node.active?.(), path).toBe(!gone.has(path) && walkFinds(m, path, node));
    for (const [path, node] of openAll(m)) expect(node.active?.(), path).toBe(true);
    m.dispose();
  });

  it('when the bus, a named bus group or the driver shadows a device attribute of the same name', () => {
    const mine = (name: string): AnyAttribute<Device> => attrRO(name, () => 'device\n');
    const busFile = attrRO<Device>('shadowed', () => 'bus\n');
    const driverFile = attrRO<Device>('late', () => 'driver\n');
    // Attribute groups are frozen once their bus or driver is made: they are given at construction.
    const { machine, toy } = createToyMachine({}, [{ attrs: [busFile] }, { name: 'merged', attrs: [attrRO('inner', () => '\n')] }]);
    const drv = toy.register('alpha', { prefix: 'a', devGroups: [{ attrs: [driverFile] }] });
    const dev = toy.create('a0');
    dev.groups.push({ attrs: [mine('shadowed'), mine('merged'), mine('late'), mine('kept')] });
    machine.core.add(dev);
    machine.settle();
    expect(dev.driver).toBe(drv);
    const at = (name: string) => machine.sysfs.tryLookup(`/sys${dev.devpath}/${name}`);
    expect(at('shadowed')).toMatchObject({ kind: 'file', attr: busFile });
    expect(at('late')).toMatchObject({ kind: 'file', attr: driverFile });
    expect(at('kept')).toMatchObject({ kind: 'file', attr: dev.groups.at(-1)!.attrs.find((a) => a.name === 'kept') });
    expect(at('merged')?.kind).toBe('dir');
    const late = at('late') as SysfsFile;
    const shadowed = at('shadowed') as SysfsFile;
    const kept = at('kept') as SysfsFile;
    machine.processes.root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    // The driver's file left with the driver; the device's `late` under it is a file again.
    expect(late.active?.()).toBe(false);
    expect(at('late')).toMatchObject({ kind: 'file', attr: dev.groups.at(-1)!.attrs.find((a) => a.name === 'late') });
    expect([shadowed.active?.(), kept.active?.()]).toEqual([true, true]);
  });

  it('should not revive an open file of the driver groups when a rebind makes the same file again', () => {
    const { machine, toy } = createToyMachine();
    const driverFile = attrRO<Device>('state', () => 'driver\n');
    const drv = toy.register('alpha', { prefix: 'a', devGroups: [{ attrs: [driverFile] }] });
    const dev = toy.add('a0');
    expect(dev.driver).toBe(drv);
    const root = machine.processes.root;
    const path = `/sys${dev.devpath}/state`;
    const fd = root.open(path);
    expect(new TextDecoder().decode(root.pread(fd, 16, 0))).toBe('driver\n');
    root.writeFile('/sys/bus/toy/drivers/alpha/unbind', 'a0');
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
    root.writeFile('/sys/bus/toy/drivers/alpha/bind', 'a0');
    expect(dev.driver).toBe(drv);
    // The same attribute of the same device at the same path: a new node, the old fd stays dead.
    const again = root.open(path);
    expect(new TextDecoder().decode(root.pread(again, 16, 0))).toBe('driver\n');
    expect(errnoOf(() => root.pread(fd, 16, 0))).toBe('ENODEV');
    root.close(again);
    root.close(fd);
  });
});
