/**
 * A walk to `/sys/bus/<bus>/drivers/<driver>/<name>` answers the same through the driver-entry
 * shortcut (read off the plain string) as through the general walk (the same place spelled with
 * `/./`, which the shortcut leaves alone): every entry of every driver directory — attributes,
 * the module link, device links followed or not — and a name the directory does not hold.
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/machine/index.js';

describe('sysfs path walk: driver-entry shortcut against the general walk', () => {
  it('should find every entry of every driver directory, and miss a missing name, alike', () => {
    const m = createMachine({ presets: { 'cxl-type3': 2, 'mlx5-nic': 1 } });
    m.boot();
    const describeNode = (path: string, noFollow: boolean) => {
      const n = m.sysfs.tryLookup(path, noFollow);
      if (n === undefined) return undefined;
      return { kind: n.kind, path: n.path, ...(n.kind === 'link' ? { target: n.target } : {}) };
    };
    let compared = 0;
    for (const bus of m.sysfs.lookup('/sys/bus', true).kind === 'dir' ? (m.sysfs.lookup('/sys/bus') as { entries(): string[] }).entries() : []) {
      const drivers = m.sysfs.tryLookup(`/sys/bus/${bus}/drivers`);
      if (drivers?.kind !== 'dir') continue;
      for (const drv of drivers.entries()) {
        const dir = m.sysfs.lookup(`/sys/bus/${bus}/drivers/${drv}`);
        if (dir.kind !== 'dir') continue;
        for (const name of [...dir.entries(), 'nonexistent']) {
          for (const noFollow of [false, true]) {
            const plain = `/sys/bus/${bus}/drivers/${drv}/${name}`;
            const spelled = `/sys/bus/${bus}/./drivers/${drv}/${name}`;
            expect(describeNode(plain, noFollow), `${plain} noFollow=${noFollow}`).toEqual(describeNode(spelled, noFollow));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    // The device links a bound driver's directory holds are among them.
    const cxlPci = m.sysfs.lookup('/sys/bus/pci/drivers/cxl_pci');
    const bound = cxlPci.kind === 'dir' ? cxlPci.entries().find((n) => /^[0-9a-f]{4}:/.test(n)) : undefined;
    expect(bound).toBeDefined();
    expect(describeNode(`/sys/bus/pci/drivers/cxl_pci/${bound}`, true)).toMatchObject({ kind: 'link' });
    expect(describeNode(`/sys/bus/pci/drivers/cxl_pci/${bound}`, false)).toMatchObject({ kind: 'dir', path: expect.stringContaining(`/${bound}`) });
  });
});
