/**
 * A sysfs directory answers a single name (`child`) exactly as its full listing holds it: the
 * same kind and path, the same attribute, object and mode for a file, the same target for a
 * link, the same entries for a directory; and nothing for a name it does not list. Checked for
 * every directory reachable from /sys on a booted machine with CXL and mlx5 functions, with a
 * driver unbound and a module loaded so that bus, driver, class and module directories differ.
 */
import { describe, expect, it } from 'vitest';
import { SysfsDirBuilder, type SysfsDir, type SysfsNode, sysfsListedChild } from '../../src/bus/index.js';
import { createMachine } from '../../src/machine/index.js';

function same(path: string, got: SysfsNode | undefined, want: SysfsNode | undefined): void {
  if (want === undefined) {
    expect(got, path).toBeUndefined();
    return;
  }
  expect(got, path).toBeDefined();
  expect(got!.kind, path).toBe(want.kind);
  expect(got!.path, path).toBe(want.path);
  if (got!.kind === 'file' && want.kind === 'file') {
    expect(got!.attr, path).toBe(want.attr);
    expect(got!.obj, path).toBe(want.obj);
    expect(got!.mode, path).toBe(want.mode);
  }
  if (got!.kind === 'link' && want.kind === 'link') expect(got!.target, path).toBe(want.target);
  if (got!.kind === 'dir' && want.kind === 'dir') {
    expect(got!.mode, path).toBe(want.mode);
    expect(got!.entries(), path).toEqual(want.entries());
  }
}

/**
 * Every path of `paths` answers, with and without following a final link, what the general walk
 * answers for the same place spelled so that no shortcut applies (a `.` right below /sys) — once
 * as booted, and again once a provider shadows /sys/bus (the shortcuts must step aside: `shadowed`
 * is then gone).
 */
function expectShortcutsAgreeWithWalk(m: ReturnType<typeof createMachine>, paths: readonly string[], shadowed: string): void {
  const general = (p: string) => p.replace('/sys/', '/sys/./');
  const check = () => {
    for (const p of paths)
      for (const noFollow of [false, true])
        same(`${p} (noFollow ${noFollow})`, m.sysfs.tryLookup(p, noFollow), m.sysfs.tryLookup(general(p), noFollow));
  };
  check();
  m.sysfs.registerRoot('bus', (path) => new SysfsDirBuilder(path).build());
  expect(m.sysfs.tryLookup(shadowed)).toBeUndefined();
  check();
}

describe('sysfs: single-name lookups against the listing', () => {
  it('answers every name of every directory as the listing does, and nothing for an unlisted name', () => {
    const m = createMachine({ presets: { 'cxl-type3': 2, 'mlx5-nic': 1 } });
    m.boot();
    m.settle();
    m.processes.get('root').writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', '0000:03:00.1');
    m.settle();
    let dirs = 0;
    const visit = (d: SysfsDir, depth: number): void => {
      dirs++;
      for (const name of d.entries()) {
        const got = d.child(name);
        same(`${d.path}/${name}`, got, sysfsListedChild(d, name));
        if (got?.kind === 'dir' && depth < 12) visit(got, depth + 1);
      }
      for (const name of ['no-such-entry', 'uevent0', 'driver0']) same(`${d.path}/${name}`, d.child(name), sysfsListedChild(d, name));
    };
    visit(m.sysfs.root(), 0);
    expect(dirs).toBeGreaterThan(150);
  });

  it('walks /sys/bus/<bus>/drivers/<driver>/… and driver links as the general walk does (the driver shortcut)', () => {
    const m = createMachine({ presets: { 'cxl-type3': 2, 'mlx5-nic': 1 } });
    m.boot();
    m.settle();
    const paths: string[] = [];
    for (const bus of m.sysfs.lookup('/sys/bus').kind === 'dir' ? (m.sysfs.lookup('/sys/bus') as SysfsDir).entries() : []) {
      const drivers = m.sysfs.tryLookup(`/sys/bus/${bus}/drivers`);
      if (drivers?.kind !== 'dir') continue;
      for (const drv of [...drivers.entries(), 'no-such-driver']) {
        const dp = `/sys/bus/${bus}/drivers/${drv}`;
        paths.push(dp, `${dp}/bind`, `${dp}/module`, `${dp}/no-such-file`, `${dp}/bind/x`);
        const d = m.sysfs.tryLookup(dp);
        if (d?.kind === 'dir') for (const name of d.entries()) paths.push(`${dp}/${name}`, `${dp}/${name}/driver`, `${dp}/${name}/driver/uevent`);
      }
    }
    expect(paths.length).toBeGreaterThan(100);
    expectShortcutsAgreeWithWalk(m, paths, '/sys/bus/pci/drivers/cxl_pci/bind');
  });
  it('walks /sys/bus/<bus>/devices/<device>/<entry> as the general walk does (the bus device shortcut)', () => {
    const m = createMachine({ presets: { 'cxl-type3': 2, 'mlx5-nic': 1 } });
    m.boot();
    m.settle();
    m.processes.get('root').writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', '0000:03:00.1');
    m.settle();
    const paths: string[] = [];
    for (const bus of (m.sysfs.lookup('/sys/bus') as SysfsDir).entries()) {
      const devices = m.sysfs.tryLookup(`/sys/bus/${bus}/devices`);
      if (devices?.kind !== 'dir') continue;
      for (const dev of [...devices.entries(), 'no-such-device']) {
        const dp = `/sys/bus/${bus}/devices/${dev}`;
        paths.push(dp, `${dp}/no-such-file`, `${dp}/uevent/x`, `${dp}/.`, `${dp}/..`);
        const d = m.sysfs.tryLookup(dp);
        if (d?.kind === 'dir') for (const name of d.entries()) paths.push(`${dp}/${name}`, `${dp}/${name}/uevent`);
      }
    }
    expect(paths.length).toBeGreaterThan(500);
    expectShortcutsAgreeWithWalk(m, paths, '/sys/bus/pci/devices/0000:0d:00.0/config');
  });
});
