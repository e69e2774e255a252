/**
 * Reference §4.4 (PCI device attribute modes, one row per attribute, and the kernfs rule of
 * §1.9 on them), §4.5 (the BAR claim's log line) and §2.3 (the exact uevent sequence of a
 * sysfs `remove` of a function whose driver created auxiliary children).
 */
import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, AuxiliaryDriver, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { CXL, NIC, NIC_PATH, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';
import { ueventVar } from '../../src/bus/index.js';

const dev = (bdf: string) => `/sys/bus/pci/devices/${bdf}`;

describe('PCI device attribute modes (reference §4.4)', () => {
  const rows: [string, number][] = [
    ['vendor', 0o444],
    ['device', 0o444],
    ['subsystem_vendor', 0o444],
    ['subsystem_device', 0o444],
    ['revision', 0o444],
    ['class', 0o444],
    ['irq', 0o444],
    ['modalias', 0o444],
    ['resource', 0o444],
    ['driver_override', 0o644],
    ['enable', 0o644],
    ['remove', 0o220],
    ['rescan', 0o200],
    ['reset', 0o200],
    ['reset_method', 0o644],
    ['config', 0o644],
    ['resource0', 0o600],
    ['resource2', 0o600],
    ['uevent', 0o644],
    ['doe_features/doe_discovery', 0o444],
    ['doe_features/1e98:02', 0o444],
  ];

  it.each(rows)('should give %s mode %o, owned by root', (attr, mode) => {
    // doe_features/ shows pci_doe's cache: its driver bound and its Discovery done.
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    m.advance(100);
    expect(m.processes.root.stat(`${dev(CXL)}/${attr}`)).toMatchObject({ type: 'file', mode, uid: 0, gid: 0 });
  });

  it('should give the prefetchable BAR of mlx5-nic a resource0_wc (0600)', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    expect(m.processes.root.stat(`${dev(NIC)}/resource0_wc`)).toMatchObject({ type: 'file', mode: 0o600 });
  });

  it('should clamp a config write at the end of the file and refuse one past it with EFBIG (sysfs_kf_bin_write)', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const root = m.processes.root;
    const fd = root.open(`${dev(CXL)}/config`, 'rw');
    expect(root.pwrite(fd, new Uint8Array(4), 4094)).toBe(2);
    expect(errnoOf(() => root.pwrite(fd, new Uint8Array(1), 4096))).toBe('EFBIG');
    root.close(fd);
  });

  it('should open a memory BAR resourceN (mmap-only) but fail read() and write() with EIO', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const root = m.processes.root;
    for (const attr of ['resource0', 'resource0_wc']) {
      const fd = root.open(`${dev(NIC)}/${attr}`, 'rw');
      expect(errnoOf(() => root.read(fd, 4))).toBe('EIO');
      expect(errnoOf(() => root.write(fd, new Uint8Array(4)))).toBe('EIO');
      root.close(fd);
    }
    const alice = m.processes.spawn('alice', { uid: 1000, gid: 1000, caps: [] });
    expect(errnoOf(() => alice.open(`${dev(NIC)}/resource0`, 'r'))).toBe('EACCES');
  });

  it.each([
    ['vendor', 'write'],
    ['class', 'write'],
    ['modalias', 'write'],
    ['resource', 'write'],
    ['remove', 'read'],
    ['rescan', 'read'],
    ['reset', 'read'],
  ] as const)('should refuse root a %s of %s with EACCES (kernfs: no bits, no callback)', (attr, op) => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const root = m.processes.root;
    const path = `${dev(CXL)}/${attr}`;
    expect(errnoOf(() => (op === 'read' ? root.readFile(path) : root.writeFile(path, '1')))).toBe('EACCES');
  });

  it('should show driver_override "(null)" on a PCI function until set, and store up to the newline', () => {
    const m = bootMachine({ presets: ['cxl-type3'] });
    const root = m.processes.root;
    expect(root.readFile(`${dev(CXL)}/driver_override`)).toBe('(null)\n');
    expect(root.writeFile(`${dev(CXL)}/driver_override`, 'vfio-pci\n')).toBe(9);
    expect(root.readFile(`${dev(CXL)}/driver_override`)).toBe('vfio-pci\n');
  });
});

describe('BAR claims (reference §4.5)', () => {
  it('should log "BAR N: can\'t reserve" with the range and answer EBUSY', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    const pci = m.get<PciCore>(IPciCore);
    const nic = pci.findDevice(NIC)!;
    const r = nic.resources[0]!;
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    expect(errnoOf(() => pci.requestRegion(nic, 0, 'intruder'))).toBe('EBUSY');
    const last = m.log.records.filter((x) => x.source === 'kernel').at(-1)!;
    expect(last.level).toBe('warning');
    expect(last.message).toBe(`intruder ${NIC}: BAR 0: can't reserve [mem 0x${hex(r.start)}-0x${hex(r.end)}]`);
  });
});

describe('sysfs remove of a function with auxiliary children (reference §2.3)', () => {
  /** mlx5_core bound, with a stand-in driver on mlx5_core.eth.0 so one child is bound. */
  function nic(): Machine {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core'] });
    m.get<AuxiliaryBus>(IAuxiliaryBus).driverRegister(
      new AuxiliaryDriver({ name: 'eth', idTable: [{ name: 'mlx5_core.eth' }], probe: () => {} }),
      'eth_stub',
    );
    return m;
  }

  it('should unbind and delete the children from the end of the table, unbind the function, then remove it', () => {
    const m = nic();
    const before = m.uevent.seqnum;
    m.processes.root.writeFile(`${dev(NIC)}/remove`, '1');
    expect(eventsSince(m, before)).toEqual([
      `remove ${NIC_PATH}/mlx5_core.fwctl.0`,
      `remove ${NIC_PATH}/mlx5_core.rdma.0`,
      `remove ${NIC_PATH}/net/eth0`,
      `unbind ${NIC_PATH}/mlx5_core.eth.0`,
      `remove ${NIC_PATH}/mlx5_core.eth.0`,
      `unbind ${NIC_PATH}`,
      `remove ${NIC_PATH}`,
    ]);
    expect(m.sysfs.tryLookup(dev(NIC))).toBeUndefined();
  });

  it("should send the function's `remove` without DRIVER and with its PCI keys", () => {
    const m = nic();
    m.processes.root.writeFile(`${dev(NIC)}/remove`, '1');
    const ev = m.uevent.log.at(-1)!;
    expect(ev.action).toBe('remove');
    expect(ueventVar(ev, 'DRIVER')).toBeUndefined();
    expect(ueventVar(ev, 'PCI_SLOT_NAME')).toBe(NIC);
  });
});
