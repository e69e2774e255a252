/**
 * `doe_features/` (reference/protocols.md §1.6; drivers/pci/doe.c `pci_doe_sysfs_init`): the
 * directory agrees with what the kernel's own Discovery exchanges cached — one 0444 file per
 * feature other than Discovery, named `vvvv:tt` and reading its name, plus `doe_discovery` —
 * under both policies.
 */
import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCoreDoe, type PciDoeMb, pciDoeBindingOf } from '../../src/drivers/index.js';
import type { Machine } from '../../src/machine/index.js';
import type { PciDevice } from '../../src/pci/index.js';
import { doeProtocolName } from '../../src/protocols/index.js';
import { CXL, bootMachine } from '../support/pci-machine.js';

const DIR = `/sys/bus/pci/devices/${CXL}/doe_features`;

function kernelMailboxes(m: Machine): readonly PciDoeMb[] {
  if (m.options.doe === 'pci-core-shared') return m.get(IPciCoreDoe).mailboxes(m.findDevice(CXL) as PciDevice);
  const aux = m.get<AuxiliaryBus>(IAuxiliaryBus);
  return [0, 1, 2].map((i) => pciDoeBindingOf(aux.findDevice(`cxl_pci.doe.${i}`)!)!.mb);
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
    expect([...discovered].sort()).toEqual(['0001:01', '1e98:00', '1e98:02']);
    const root = m.processes.root;
    expect(root.readdir(DIR).sort()).toEqual(['doe_discovery', ...discovered].sort());
    expect(root.readFile(`${DIR}/doe_discovery`)).toBe('0001:00\n');
    for (const name of discovered) {
      expect(root.readFile(`${DIR}/${name}`)).toBe(`${name}\n`);
      expect(root.stat(`${DIR}/${name}`).mode & 0o777).toBe(0o444);
    }
  });
});
