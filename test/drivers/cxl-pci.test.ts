import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { doeMailboxOf } from '../../src/drivers/index.js';
import { CXL, CXL_PATH, NIC, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';
import { ueventVar } from '../../src/bus/index.js';

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);
const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);
const auxNames = (m: Machine) => auxOf(m).bus.devices.map((d) => d.name);

describe('cxl_pci probe (reference §2.3)', () => {
  it('should add and bind every child before the function’s own bind', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['pci_doe'] });
    const before = m.uevent.seqnum;
    m.modprobe('cxl_pci');
    expect(eventsSince(m, before)).toEqual([
      `add ${CXL_PATH}/cxl_pci.doe.0`,
      `bind ${CXL_PATH}/cxl_pci.doe.0 DRIVER=pci_doe.doe`,
      `add ${CXL_PATH}/cxl_pci.doe.1`,
      `bind ${CXL_PATH}/cxl_pci.doe.1 DRIVER=pci_doe.doe`,
      `add ${CXL_PATH}/cxl_pci.doe.2`,
      `bind ${CXL_PATH}/cxl_pci.doe.2 DRIVER=pci_doe.doe`,
      `add ${CXL_PATH}/cxl_pci.fwctl.0`,
      `bind ${CXL_PATH} DRIVER=cxl_pci`,
      'add /bus/pci/drivers/cxl_pci',
      'add /module/cxl_pci',
    ]);
  });

  it('should tear children down newest first after remove(), then send the function’s unbind without DRIVER', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['pci_doe', 'cxl_pci'] });
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    expect(eventsSince(m, before)).toEqual([
      `remove ${CXL_PATH}/cxl_pci.fwctl.0`,
      `unbind ${CXL_PATH}/cxl_pci.doe.2`,
      `remove ${CXL_PATH}/cxl_pci.doe.2`,
      `unbind ${CXL_PATH}/cxl_pci.doe.1`,
      `remove ${CXL_PATH}/cxl_pci.doe.1`,
      `unbind ${CXL_PATH}/cxl_pci.doe.0`,
      `remove ${CXL_PATH}/cxl_pci.doe.0`,
      `unbind ${CXL_PATH}`,
    ]);
    expect(ueventVar(m.uevent.log.at(-1)!, 'DRIVER')).toBeUndefined();
    expect(m.resources.claims).toHaveLength(0);
    expect(pciOf(m).findDevice(CXL)!.enableCnt).toBe(0);
  });

  it('should give each DOE child its mailbox in config-space order', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const refs = ['cxl_pci.doe.0', 'cxl_pci.doe.1', 'cxl_pci.doe.2'].map((n) => doeMailboxOf(auxOf(m).findDevice(n)!)!);
    expect(refs.map((r) => [r.index, r.capOffset])).toEqual([
      [0, 0x190],
      [1, 0x1a8],
      [2, 0x1c0],
    ]);
    expect(refs.every((r) => r.pdev === pciOf(m).findDevice(CXL))).toBe(true);
  });

  it('should number children per match name across functions and reuse freed ids', () => {
    const m = bootMachine({ presets: ['cxl-type3', 'cxl-type3'], modules: ['cxl_pci'] });
    expect(auxNames(m)).toEqual([
      'cxl_pci.doe.0',
      'cxl_pci.doe.1',
      'cxl_pci.doe.2',
      'cxl_pci.fwctl.0',
      'cxl_pci.doe.3',
      'cxl_pci.doe.4',
      'cxl_pci.doe.5',
      'cxl_pci.fwctl.1',
    ]);
    expect(auxOf(m).findDevice('cxl_pci.doe.3')!.parent!.name).toBe('0000:0e:00.0');
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
    expect(auxNames(m).slice(-4)).toEqual(['cxl_pci.doe.0', 'cxl_pci.doe.1', 'cxl_pci.doe.2', 'cxl_pci.fwctl.0']);
  });

  it('should create no DOE devices under pci-core-shared', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'], doe: 'pci-core-shared' });
    expect(auxNames(m)).toEqual(['cxl_pci.fwctl.0']);
  });

  it('should hold the BARs while bound (a second claim gets EBUSY) and fail probe when they are taken', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const pci = pciOf(m);
    const cxl = pci.findDevice(CXL)!;
    pci.requestRegion(cxl, 2, 'squatter');
    m.modprobe('cxl_pci');
    expect(cxl.driver).toBeUndefined();
    expect(auxNames(m)).toEqual([]);
    expect(cxl.enableCnt).toBe(0);
    pci.releaseRegion(cxl, 2);
    m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
    expect(errnoOf(() => pci.requestRegion(cxl, 0, 'squatter'))).toBe('EBUSY');
  });

  it('should refuse a function without a Register Locator DVSEC with a quiet ENODEV, undoing the enable', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['cxl_pci'] });
    const root = m.processes.root;
    const nic = pciOf(m).findDevice(NIC)!;
    root.writeFile(`/sys/bus/pci/devices/${NIC}/driver_override`, 'cxl_pci');
    const before = m.uevent.seqnum;
    const logBefore = m.log.records.length;
    root.writeFile('/sys/bus/pci/drivers_probe', NIC); // a device-side attach: the match was forced, probe said no
    expect(nic.driver).toBeUndefined();
    expect(eventsSince(m, before)).toEqual([]);
    expect(nic.enableCnt).toBe(0);
    expect(m.log.records.slice(logBefore).filter((e) => /probe.*failed/.test(e.message))).toEqual([]);
    expect(errnoOf(() => root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', NIC))).toBe('ENODEV');
    expect(auxNames(m)).toEqual([]);
  });

  it('should unbind everything on rmmod and rebind on modprobe', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    m.rmmod('cxl_pci');
    expect(pciOf(m).findDevice(CXL)!.driver).toBeUndefined();
    expect(auxNames(m)).toEqual([]);
    m.modprobe('cxl-pci');
    expect(pciOf(m).findDevice(CXL)!.driver?.name).toBe('cxl_pci');
  });
});
