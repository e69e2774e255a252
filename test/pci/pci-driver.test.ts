import { describe, expect, it } from 'vitest';
import {
  PCI_ANY_ID,
  PciDriver,
  type PciIdentity,
  kstrtoul,
  pciDevice,
  pciDeviceClass,
  pciDeviceIdAny,
  pciIdAlias,
  pciMatchDevice,
  pciMatchOneDevice,
  pciModalias,
  pciModuleAliases,
  scanHexFields,
} from '../../src/pci/index.js';
import { errnoOf } from '../support/pci-machine.js';

const cxl: PciIdentity = { vendor: 0x8086, device: 0x0d93, subsystemVendor: 0x1af4, subsystemDevice: 0x1100, classCode: 0x050210 };
const nic: PciIdentity = { vendor: 0x15b3, device: 0x101d, subsystemVendor: 0x15b3, subsystemDevice: 0x0016, classCode: 0x020000 };

describe('pciMatchOneDevice', () => {
  it.each([
    ['exact vendor/device', pciDevice(0x8086, 0x0d93), cxl, true],
    ['other device', pciDevice(0x8086, 0x0d94), cxl, false],
    ['class under full mask', pciDeviceClass(0x050210, 0xffffff), cxl, true],
    ['class differs in prog-if under full mask', pciDeviceClass(0x050200, 0xffffff), cxl, false],
    ['class differs only outside the mask', pciDeviceClass(0x050200, 0xffff00), cxl, true],
    ['subvendor named and equal', pciDevice(0x15b3, 0x101d, { subvendor: 0x15b3 }), nic, true],
    ['subvendor named and different', pciDevice(0x15b3, 0x101d, { subvendor: 0x1af4 }), nic, false],
    ['all ANY', pciDeviceIdAny, nic, true],
  ])('%s', (_what, id, dev, expected) => {
    expect(pciMatchOneDevice(id, dev)).toBe(expected);
  });
});

describe('pciMatchDevice (reference §4.2 order)', () => {
  const staticId = pciDevice(0x8086, 0x0d93, { driverData: 1 });
  const overrideOnlyId = pciDevice(0x15b3, 0x101d, { overrideOnly: true, driverData: 2 });
  const make = () => new PciDriver({ name: 'drv', idTable: [staticId, overrideOnlyId] });
  const NONE = -1;
  const NAMES_US = 1;
  const NAMES_OTHER = 0;

  it.each([
    ['no override, static id matches', cxl, NONE, staticId],
    ['override names another driver: static id ignored', cxl, NAMES_OTHER, undefined],
    ['override names us, static id matches', cxl, NAMES_US, staticId],
    ['override-only id without override', nic, NONE, undefined],
    ['override-only id with our override', nic, NAMES_US, overrideOnlyId],
  ])('%s', (_what, dev, override, expected) => {
    expect(pciMatchDevice(make(), dev, override)).toBe(expected);
  });

  it('should hand the all-ANY dummy id when only the override names the driver', () => {
    const other: PciIdentity = { ...cxl, device: 0x1234 };
    expect(pciMatchDevice(make(), other, NONE)).toBeUndefined();
    expect(pciMatchDevice(make(), other, NAMES_US)).toBe(pciDeviceIdAny);
  });

  it('should prefer dynamic ids over the static table, in insertion order', () => {
    const drv = make();
    const dyn1 = { ...pciDevice(0x8086, PCI_ANY_ID), driverData: 1 };
    const dyn2 = { ...pciDevice(0x8086, 0x0d93), driverData: 1 };
    drv.dynamicIds.push(dyn1, dyn2);
    expect(pciMatchDevice(drv, cxl, NONE)).toBe(dyn1);
  });
});

describe('modalias and modules.alias (file2alias)', () => {
  it('should print the device modalias in upper-case hex with class bytes', () => {
    expect(pciModalias(cxl)).toBe('pci:v00008086d00000D93sv00001AF4sd00001100bc05sc02i10');
    expect(pciModalias(nic)).toBe('pci:v000015B3d0000101Dsv000015B3sd00000016bc02sc00i00');
  });

  it.each([
    ['class id, full mask', pciDeviceClass(0x050210, 0xffffff), 'pci:v*d*sv*sd*bc05sc02i10*'],
    ['vendor/device id', pciDevice(0x15b3, 0x101d), 'pci:v000015B3d0000101Dsv*sd*bc*sc*i*'],
    ['base class only', pciDeviceClass(0x020000, 0xff0000), 'pci:v*d*sv*sd*bc02sc*i*'],
    ['subsystem named', pciDevice(0x15b3, 0x101d, { subvendor: 0x15b3, subdevice: 0x42 }), 'pci:v000015B3d0000101Dsv000015B3sd00000042bc*sc*i*'],
    ['override-only: vfio_pci prefix, never pci:', pciDevice(0x8086, 0x0d93, { overrideOnly: true }), 'vfio_pci:v00008086d00000D93sv*sd*bc*sc*i*'],
    ['unhandled partial mask byte: no alias', pciDeviceClass(0x050210, 0xfff0ff), undefined],
  ])('%s', (_what, id, expected) => {
    expect(pciIdAlias(id)).toBe(expected);
  });

  it('should drop ids modpost cannot express from a module table', () => {
    expect(pciModuleAliases([pciDeviceClass(0x050210, 0xfff0ff), pciDevice(1, 2)])).toEqual(['pci:v00000001d00000002sv*sd*bc*sc*i*']);
  });
});

describe('scanHexFields (sscanf "%x %x …")', () => {
  it.each([
    ['', []],
    ['8086', [0x8086]],
    ['8086 0d93\n', [0x8086, 0x0d93]],
    ['0x8086 0X0D93 ffffffff', [0x8086, 0x0d93, 0xffffffff]],
    ['8086 zz 1', [0x8086]],
    ['1 2 3 4 5 6 7 8', [1, 2, 3, 4, 5, 6, 7]],
  ])('%j', (input, expected) => {
    expect(scanHexFields(input, 7)).toEqual(expected);
  });
});

describe('kstrtoul', () => {
  it.each([
    ['1', 1],
    ['1\n', 1],
    ['+7', 7],
    ['0x10', 16],
    ['010', 8],
    ['0', 0],
  ])('%j → %d', (input, expected) => {
    expect(kstrtoul(input)).toBe(expected);
  });

  it.each([[''], ['x'], [' 1'], ['1 '], ['1\n\n'], ['-1'], ['08']])('%j → EINVAL', (input) => {
    expect(errnoOf(() => kstrtoul(input))).toBe('EINVAL');
  });
});
