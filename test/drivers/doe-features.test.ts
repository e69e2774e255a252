/**
 * `doe_features/` (reference/protocols.md §1.6; drivers/pci/doe.c `pci_doe_sysfs_group`,
 * `pci_doe_sysfs_feature_populate`/`_remove`): the directory shows what the kernel's own
 * Discovery exchanges cached — one 0444 file per feature other than Discovery, named `vvvv:tt`
 * and reading its name, plus `doe_discovery` — under both policies; never the device's live
 * table: a table that changes after the kernel's Discovery is not seen until the kernel
 * discovers again, a mailbox's files go when its kernel mailbox goes (pci_doe.doe unbinds), and a
 * feature two mailboxes list belongs to the one that added it first (EEXIST tolerated).
 */
import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCoreDoe, type PciDoeMb, SimulatedPciFunction, pciDoeBindingOf, silentResponder } from '../../src/drivers/index.js';
import type { Machine } from '../../src/machine/index.js';
import { IPciCore, type PciDevice } from '../../src/pci/index.js';
import { doeProtocolName } from '../../src/protocols/index.js';
import { CXL, bootMachine } from '../support/pci-machine.js';

const DIR = `/sys/bus/pci/devices/${CXL}/doe_features`;

function kernelMailboxes(m: Machine): readonly PciDoeMb[] {
  if (m.options.doe === 'pci-core-shared') return m.get(IPciCoreDoe).mailboxes(m.findDevice(CXL) as PciDevice);
  const aux = m.get<AuxiliaryBus>(IAuxiliaryBus);
  return [0, 1, 2].map((i) => pciDoeBindingOf(aux.findDevice(`cxl_pci.doe.${i}`)!)!.mb);
}

/** The cxl-type3 function's hardware (its DOE register blocks). */
function hwOf(m: Machine): SimulatedPciFunction {
  const hw = m.get(IPciCore).hardwareAt(0x0d, 0);
  if (!(hw instanceof SimulatedPciFunction)) throw new Error('no cxl-type3 hardware');
  return hw;
}

function listing(m: Machine): string[] | undefined {
  return m.vfs.exists(DIR) ? m.processes.root.readdir(DIR).sort() : undefined;
}

function rebind(m: Machine, adev: string, how: 'unbind' | 'bind'): void {
  m.processes.root.writeFile(`/sys/bus/auxiliary/drivers/pci_doe.doe/${how}`, adev);
  m.settle();
}

describe('doe_features', () => {
  it.each(['aux-exclusive', 'pci-core-shared'] as const)('should list exactly the features the kernel discovered (%s)', (doe) => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'], doe });
    m.advance(100);
    const discovered = new Set(
      kernelMailboxes(m)
        .flatMap((mb) => mb.features)
        .filter((f) => !(f.vendor === 1 && f.type === 0))
        .map(doeProtocolName),
    );
    expect([...discovered].sort()).toEqual(['0001:01', '0001:02', '1e98:00', '1e98:02']);
    const root = m.processes.root;
    expect(root.readdir(DIR).sort()).toEqual(['doe_discovery', ...discovered].sort());
    expect(root.readFile(`${DIR}/doe_discovery`)).toBe('0001:00\n');
    expect(root.stat(`${DIR}/doe_discovery`).mode & 0o777).toBe(0o444);
    for (const name of discovered) {
      expect(root.readFile(`${DIR}/${name}`)).toBe(`${name}\n`);
      expect(root.stat(`${DIR}/${name}`).mode & 0o777).toBe(0o444);
    }
  });

  it.each(['aux-exclusive', 'pci-core-shared'] as const)('should not exist before the kernel cached any Discovery (%s)', (doe) => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'], doe });
    // Enumerated and bound, but no Discovery exchange has completed in virtual time yet.
    expect(kernelMailboxes(m).every((mb) => mb.features.length === 0)).toBe(true);
    expect(listing(m)).toBeUndefined();
    m.advance(100);
    expect(listing(m)).toContain('doe_discovery');
  });

  it("should keep showing the kernel's cached list when the device's table changes after boot, until the kernel discovers again", () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    m.advance(100);
    const before = listing(m);
    expect(before).toEqual(['0001:01', '0001:02', '1e98:00', '1e98:02', 'doe_discovery']);
    // The device now also lists a vendor protocol 1234:05 on its CMA mailbox (e.g. after a firmware update).
    const cma = hwOf(m).doeMailboxes[2]!;
    cma.attach(silentResponder({ vendor: 0x1234, type: 0x05 }));
    expect(cma.protocols.map(doeProtocolName)).toEqual(['0001:00', '0001:01', '0001:02', '1234:05']);
    m.advance(1000);
    expect(listing(m)).toEqual(before); // still the cache of the Discovery the kernel ran at bind
    expect(kernelMailboxes(m)[2]!.features.map(doeProtocolName)).toEqual(['0001:00', '0001:01', '0001:02']);
    // A new kernel mailbox discovers again: now the file appears.
    rebind(m, 'cxl_pci.doe.2', 'unbind');
    rebind(m, 'cxl_pci.doe.2', 'bind');
    m.advance(100);
    expect(listing(m)).toEqual(['0001:01', '0001:02', '1234:05', '1e98:00', '1e98:02', 'doe_discovery']);
  });

  it("should remove a mailbox's files when pci_doe.doe unbinds from it, and the directory with the last one", () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    m.advance(100);
    rebind(m, 'cxl_pci.doe.2', 'unbind');
    expect(listing(m)).toEqual(['1e98:00', '1e98:02', 'doe_discovery']);
    rebind(m, 'cxl_pci.doe.0', 'unbind');
    expect(listing(m)).toEqual(['1e98:00', 'doe_discovery']);
    expect(() => m.processes.root.readFile(`${DIR}/1e98:02`)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    rebind(m, 'cxl_pci.doe.1', 'unbind');
    expect(listing(m)).toBeUndefined(); // no kernel mailbox has a cache: the group is not visible
    rebind(m, 'cxl_pci.doe.1', 'bind');
    m.advance(100);
    expect(listing(m)).toEqual(['1e98:00', 'doe_discovery']);
  });

  it('should remove the files of a mailbox that goes with its function (hot removal)', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'], doe: 'pci-core-shared' });
    m.advance(100);
    expect(listing(m)).toHaveLength(5);
    const pdev = m.findDevice(CXL) as PciDevice;
    m.processes.root.writeFile(`/sys/bus/pci/devices/${CXL}/remove`, '1');
    m.settle();
    expect(m.get(IPciCoreDoe).mailboxes(pdev)).toEqual([]);
    expect(pdev.groups.some((g) => g.name === 'doe_features')).toBe(false);
  });

  it('should keep a feature two mailboxes list with the mailbox that added it first (EEXIST tolerated)', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    m.advance(100);
    // The compliance mailbox now lists 0001:01 too; its kernel mailbox discovers it on rebind.
    hwOf(m).doeMailboxes[1]!.attach(silentResponder({ vendor: 0x0001, type: 0x01 }));
    rebind(m, 'cxl_pci.doe.1', 'unbind');
    rebind(m, 'cxl_pci.doe.1', 'bind');
    m.advance(100);
    expect(kernelMailboxes(m)[1]!.features.map(doeProtocolName)).toEqual(['0001:00', '1e98:00', '0001:01']);
    expect(listing(m)).toEqual(['0001:01', '0001:02', '1e98:00', '1e98:02', 'doe_discovery']);
    // 0001:01's file is cxl_pci.doe.2's: it goes with that mailbox although doe.1 still caches it.
    rebind(m, 'cxl_pci.doe.2', 'unbind');
    expect(listing(m)).toEqual(['1e98:00', '1e98:02', 'doe_discovery']);
  });
});
