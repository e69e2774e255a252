/**
 * SR-IOV on the mlx5-nic PF (reference kernel-driver-model §8.1–§8.7): the PF files, the
 * sriov_numvfs errno order, VF naming, identity and links, the autoprobe gate, and the uevent
 * orders of enabling and disabling, as exact sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/machine/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const PF = `/sys/bus/pci/devices/${NIC}`;
const RP = '/devices/pci0000:00/0000:00:02.0';
const vfPath = (fn: number) => `${RP}/0000:03:00.${fn}`;

function nic(modules: string[] = ['mlx5_core']): Machine {
  return bootMachine({ presets: ['mlx5-nic'], modules });
}

const write = (m: Machine, file: string, value: string) => m.processes.root.writeFile(`${PF}/${file}`, value);
const read = (m: Machine, file: string) => m.processes.root.readFile(`${PF}/${file}`);

describe('PF files (§8.1)', () => {
  it.each([
    ['sriov_totalvfs', '8\n', 0o444],
    ['sriov_numvfs', '0\n', 0o644],
    ['sriov_offset', '1\n', 0o444],
    ['sriov_stride', '1\n', 0o444],
    ['sriov_vf_device', '101e\n', 0o444],
    ['sriov_drivers_autoprobe', '1\n', 0o644],
    ['sriov_vf_total_msix', '0\n', 0o444],
  ])('%s reads %j with mode %o, also with no driver bound', (file, text, mode) => {
    const m = nic([]);
    expect(read(m, file)).toBe(text);
    expect(m.vfs.stat(`${PF}/${file}`).mode & 0o777).toBe(mode);
  });

  it('exists only on the PF: not on the root port, not on a VF', () => {
    const m = nic();
    write(m, 'sriov_numvfs', '1');
    expect(m.vfs.exists('/sys/bus/pci/devices/0000:00:02.0/sriov_totalvfs')).toBe(false);
    expect(m.vfs.exists('/sys/bus/pci/devices/0000:03:00.1/sriov_totalvfs')).toBe(false);
  });
});

describe('sriov_numvfs store (§8.2, in sriov_numvfs_store’s order)', () => {
  it.each([
    ['not a number', [], 'abc', 'EINVAL'],
    ['above 65535', [], '65536', 'EINVAL'],
    ['negative', [], '-1', 'EINVAL'],
    ['above sriov_totalvfs (before looking at the driver)', ['unbind'], '9', 'ERANGE'],
    ['the current count with no driver', ['unbind'], '0', 'ok'],
    ['N with no driver bound', ['unbind'], '2', 'ENOENT'],
    ['a non-zero count while enabled', ['2'], '3', 'EBUSY'],
    ['the same non-zero count', ['2'], '2', 'ok'],
    ['0 while enabled', ['2'], '0', 'ok'],
    ['N after 0', ['2', '0'], '3', 'ok'],
    ['hex', [], '0x2', 'ok'],
    ['octal', [], '010', 'ok'],
    ['one trailing newline', [], '2\n', 'ok'],
  ])('%s → %s', (_what, setup, value, errno) => {
    const m = nic();
    for (const s of setup) {
      if (s === 'unbind') m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
      else write(m, 'sriov_numvfs', s);
    }
    expect(errnoOf(() => write(m, 'sriov_numvfs', value))).toBe(errno);
  });

  it('with no driver bound → ENOENT and the kernel’s info line', () => {
    const m = nic([]);
    m.processes.root.writeFile(`${PF}/driver_override`, 'pci-stub-like');
    expect(errnoOf(() => write(m, 'sriov_numvfs', '1'))).toBe('ENOENT');
    expect(m.log.records.map((e) => e.message).join('\n')).toContain('no driver bound to device; cannot configure SR-IOV');
  });

  it('N→M without 0 warns as the kernel does and changes nothing', () => {
    const m = nic();
    write(m, 'sriov_numvfs', '2');
    expect(errnoOf(() => write(m, 'sriov_numvfs', '4'))).toBe('EBUSY');
    expect(read(m, 'sriov_numvfs')).toBe('2\n');
    expect(m.log.records.map((e) => e.message).join('\n')).toContain('2 VFs already enabled. Disable before enabling 4 VFs');
  });

  it('keeps sriov_numvfs equal to the VFs and links that exist over any write sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 8 }), (writes) => {
        const m = nic();
        let model = 0;
        for (const n of writes) {
          const expected = n > 8 ? 'ERANGE' : n === model || n === 0 || model === 0 ? 'ok' : 'EBUSY';
          expect(errnoOf(() => write(m, 'sriov_numvfs', String(n)))).toBe(expected);
          if (expected === 'ok') model = n;
          expect(read(m, 'sriov_numvfs')).toBe(`${model}\n`);
          const links = m.processes.root.readdir(PF).filter((e) => e.startsWith('virtfn'));
          expect(links.length).toBe(model);
          expect(m.processes.root.readdir('/sys/bus/pci/devices').filter((d) => d.startsWith('0000:03:') && d !== NIC).length).toBe(model);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('VF naming, identity and links (§8.3, §8.6)', () => {
  it('should name VFs 0000:03:00.1… as siblings of the PF, with physfn and virtfnN links', () => {
    const m = nic();
    write(m, 'sriov_numvfs', '3');
    const root = m.processes.root;
    expect(root.readdir(PF).filter((e) => e.startsWith('virtfn'))).toEqual(['virtfn0', 'virtfn1', 'virtfn2']);
    expect(root.readlink(`${PF}/virtfn2`)).toBe('../0000:03:00.3');
    expect(root.readlink(`/sys${vfPath(1)}/physfn`)).toBe(`../${NIC}`);
    expect(root.readFile(`/sys${vfPath(1)}/vendor`)).toBe('0x15b3\n');
    expect(root.readFile(`/sys${vfPath(1)}/device`)).toBe('0x101e\n');
    expect(root.readFile(`/sys${vfPath(1)}/class`)).toBe('0x020000\n');
    // No remove or rescan on a VF; driver_override reads (null).
    expect(root.readdir(`/sys${vfPath(1)}`)).not.toContain('remove');
    expect(root.readdir(`/sys${vfPath(1)}`)).not.toContain('rescan');
    expect(root.readFile(`/sys${vfPath(1)}/driver_override`)).toBe('(null)\n');
    // Each VF is in its own IOMMU group.
    expect(root.readlink(`/sys${vfPath(1)}/iommu_group`)).toMatch(/^\.\.\/\.\.\/\.\.\/\.\.\/kernel\/iommu_groups\/\d+$/);
  });

  it('should carry the VF’s ids in its add uevent, with no DRIVER', () => {
    const m = nic([]);
    m.modprobe('mlx5_core');
    const before = m.uevent.seqnum;
    write(m, 'sriov_drivers_autoprobe', '0');
    write(m, 'sriov_numvfs', '1');
    const add = m.uevent.log.find((e) => e.seqnum > before && e.action === 'add')!;
    expect(Object.fromEntries(add.env)).toMatchObject({ PCI_ID: '15B3:101E', PCI_SLOT_NAME: '0000:03:00.1', PCI_CLASS: '20000' });
    expect(Object.fromEntries(add.env).DRIVER).toBeUndefined();
  });
});

describe('VF uevent orders (§8.4, §8.7)', () => {
  it('enable with autoprobe 0: add VF0, change VF0, add VF1, change VF1, change PF', () => {
    const m = nic();
    write(m, 'sriov_drivers_autoprobe', '0');
    const before = m.uevent.seqnum;
    write(m, 'sriov_numvfs', '2');
    expect(eventsSince(m, before)).toEqual([
      `add ${vfPath(1)}`,
      `change ${vfPath(1)}`,
      `add ${vfPath(2)}`,
      `change ${vfPath(2)}`,
      `change ${NIC_PATH} DRIVER=mlx5_core`,
    ]);
  });

  it('enable with autoprobe 1: each VF bound (its children first) before the next is added; disable ascending, no PF event', () => {
    const m = nic();
    const before = m.uevent.seqnum;
    write(m, 'sriov_numvfs', '2');
    expect(eventsSince(m, before, ['pci', 'auxiliary'])).toEqual([
      `add ${vfPath(1)}`,
      `change ${vfPath(1)}`,
      `add ${vfPath(1)}/mlx5_core.eth.1`,
      `bind ${vfPath(1)}/mlx5_core.eth.1 DRIVER=mlx5_core.eth`,
      `add ${vfPath(1)}/mlx5_core.rdma.1`,
      `add ${vfPath(1)}/mlx5_core.fwctl.1`,
      `bind ${vfPath(1)} DRIVER=mlx5_core`,
      `add ${vfPath(2)}`,
      `change ${vfPath(2)}`,
      `add ${vfPath(2)}/mlx5_core.eth.2`,
      `bind ${vfPath(2)}/mlx5_core.eth.2 DRIVER=mlx5_core.eth`,
      `add ${vfPath(2)}/mlx5_core.rdma.2`,
      `add ${vfPath(2)}/mlx5_core.fwctl.2`,
      `bind ${vfPath(2)} DRIVER=mlx5_core`,
      `change ${NIC_PATH} DRIVER=mlx5_core`,
    ]);
    const mark = m.uevent.seqnum;
    write(m, 'sriov_numvfs', '0');
    expect(eventsSince(m, mark, ['pci'])).toEqual([`unbind ${vfPath(1)}`, `remove ${vfPath(1)}`, `unbind ${vfPath(2)}`, `remove ${vfPath(2)}`]);
  });

  it('PF unbind: every VF event precedes the PF’s auxiliary-device events; the PF unbind is last', () => {
    const m = nic();
    write(m, 'sriov_drivers_autoprobe', '0');
    write(m, 'sriov_numvfs', '2');
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC);
    const events = eventsSince(m, before, ['pci', 'auxiliary']);
    expect(events.slice(0, 2)).toEqual([`remove ${vfPath(1)}`, `remove ${vfPath(2)}`]);
    expect(events.at(-1)).toBe(`unbind ${NIC_PATH}`);
    expect(read(m, 'sriov_numvfs')).toBe('0\n');
  });

  it('unplugging the PF takes the VFs first, last VF first (as pciehp walks the bus)', () => {
    const m = nic();
    write(m, 'sriov_drivers_autoprobe', '0');
    write(m, 'sriov_numvfs', '2');
    const before = m.uevent.seqnum;
    m.unplug(NIC);
    const pci = eventsSince(m, before, ['pci']);
    expect(pci.slice(0, 2)).toEqual([`remove ${vfPath(2)}`, `remove ${vfPath(1)}`]);
    expect(pci.slice(-2)).toEqual([`unbind ${NIC_PATH}`, `remove ${NIC_PATH}`]);
  });
});

describe('VF probe gate (§8.5)', () => {
  it('autoprobe 0: VFs stay unbound; bind → ENODEV; drivers_probe succeeds binding nothing; an override lets it probe', () => {
    const m = nic();
    const root = m.processes.root;
    write(m, 'sriov_drivers_autoprobe', '0');
    write(m, 'sriov_numvfs', '1');
    const vf = '0000:03:00.1';
    expect(m.vfs.exists(`/sys/bus/pci/devices/${vf}/driver`)).toBe(false);
    expect(errnoOf(() => root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', vf))).toBe('ENODEV');
    root.writeFile('/sys/bus/pci/drivers_probe', vf);
    expect(m.vfs.exists(`/sys/bus/pci/devices/${vf}/driver`)).toBe(false);
    root.writeFile(`/sys/bus/pci/devices/${vf}/driver_override`, 'mlx5_core');
    root.writeFile('/sys/bus/pci/drivers_probe', vf);
    expect(root.readlink(`/sys/bus/pci/devices/${vf}/driver`)).toBe('../../../../bus/pci/drivers/mlx5_core');
  });

  it('a later autoprobe 1 lets still-unbound VFs bind on the next probe', () => {
    const m = nic();
    write(m, 'sriov_drivers_autoprobe', '0');
    write(m, 'sriov_numvfs', '1');
    write(m, 'sriov_drivers_autoprobe', '1');
    m.processes.root.writeFile('/sys/bus/pci/drivers_probe', '0000:03:00.1');
    expect(m.vfs.exists('/sys/bus/pci/devices/0000:03:00.1/driver')).toBe(true);
  });

  it.each([
    ['1', '1\n'],
    ['y', '1\n'],
    ['on', '1\n'],
    ['0', '0\n'],
    ['n', '0\n'],
    ['off', '0\n'],
  ])('sriov_drivers_autoprobe accepts %j (kstrtobool)', (value, text) => {
    const m = nic();
    write(m, 'sriov_drivers_autoprobe', value);
    expect(read(m, 'sriov_drivers_autoprobe')).toBe(text);
  });

  it.each([['maybe'], ['o'], ['2']])('sriov_drivers_autoprobe refuses %j with EINVAL', (value) => {
    const m = nic();
    expect(errnoOf(() => write(m, 'sriov_drivers_autoprobe', value))).toBe('EINVAL');
  });
});
