/**
 * udevd on the simulated machine with a hardware database compiled from .hwdb text (no host
 * hwdb.bin needed): Debian's 60-serial-like hwdb import fills ID_*_FROM_DATABASE for the
 * presets' PCI functions (the record comes from test/fixtures/hwdb, which cases 246/269 keep),
 * and without a database the import
 * fails as on a system without hwdb.bin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMachine, machineUdev } from '../../src/machine/index.js';
import { compileHwdb, HwdbBin } from '../../src/udev/index.js';

const RULE = {
  name: '60-pci-hwdb.rules',
  text: 'SUBSYSTEM=="pci", ACTION=="add", IMPORT{builtin}="hwdb --subsystem=pci", ENV{HWDB_HIT}="1"\n',
};
const pciIds = readFileSync(join(import.meta.dirname, '../fixtures/hwdb/20-pci-vendor-model.hwdb'), 'latin1');
const hwdb = HwdbBin.open(compileHwdb([{ path: '/usr/lib/udev/hwdb.d/20-pci-vendor-model.hwdb', text: pciIds }]).bytes) as HwdbBin;

function addProps(withHwdb: boolean, devpath: string): Map<string, string> {
  const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], rules: [RULE], ...(withHwdb ? { hwdb } : {}) });
  m.boot();
  const ev = machineUdev(m).daemon.processed.find((p) => p.devpath === devpath && p.action === 'add');
  return new Map(ev?.properties ?? []);
}

describe('udevd with a hwdb', () => {
  it('imports the vendor and model of the ConnectX function from the database', () => {
    const p = addProps(true, '/devices/pci0000:00/0000:00:02.0/0000:03:00.0');
    expect(p.get('HWDB_HIT')).toBe('1');
    expect(p.get('ID_VENDOR_FROM_DATABASE')).toBe('Mellanox Technologies');
  });

  it('fails the import (and the line) without one, as a system without hwdb.bin', () => {
    const p = addProps(false, '/devices/pci0000:00/0000:00:02.0/0000:03:00.0');
    expect(p.has('HWDB_HIT')).toBe(false);
    expect(p.has('ID_VENDOR_FROM_DATABASE')).toBe(false);
  });
});
