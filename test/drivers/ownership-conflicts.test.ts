/**
 * Ownership conflicts not covered beside their drivers (issue #8): a VF's fwctl file held while
 * the VFs are removed; a two-member vfio group held while one member goes; a CXL memdev file
 * held while cxl_pci is unloaded. Each ends in the kernel's errno, close works, and the model's
 * object counts return to what they were.
 */
import { describe, expect, it } from 'vitest';
import { type FwctlCore, IFwctlCore } from '../../src/drivers/fwctl/main.js';
import { type CxlCoreModule, ICxlCore } from '../../src/drivers/cxl/memdev.js';
import type { Machine } from '../../src/machine/index.js';
import { CXL_MEM_QUERY_COMMANDS } from '../../src/protocols/index.js';
import { fwctlInfo } from '../../src/userspace/index.js';
import { NIC, bootMachine, errnoOf } from '../support/pci-machine.js';

function counts(m: Machine) {
  return {
    devices: [...m.core.devices].length,
    openFiles: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0),
    fwctl: m.isBound(IFwctlCore) ? m.get<FwctlCore>(IFwctlCore).live : undefined,
  };
}

describe('a VF’s fwctl file while the VFs are removed', () => {
  it('sriov_numvfs 0: the VF’s fwctl device goes (ENODEV), close works, counts return', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core', 'mlx5_fwctl'] });
    const root = m.processes.root;
    const baseline = counts(m);
    root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '1');
    // VF 0000:03:00.1 has its own mlx5_core.fwctl.N and fwctl1.
    expect(root.readdir('/sys/bus/pci/devices/0000:03:00.1/fwctl')).toEqual(['fwctl1']);
    const tool = m.processes.spawn('tool', { uid: 0, gid: 0, caps: [] });
    const fd = tool.open('/dev/fwctl/fwctl1', 'rw');
    expect(fwctlInfo(tool, fd).deviceType).toBe(1);
    root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0');
    expect(m.vfs.exists('/dev/fwctl/fwctl1')).toBe(false);
    expect(errnoOf(() => fwctlInfo(tool, fd))).toBe('ENODEV');
    // The PF's fwctl0 is untouched.
    expect(m.vfs.exists('/dev/fwctl/fwctl0')).toBe(true);
    expect(errnoOf(() => m.rmmod('fwctl'))).toBe('EBUSY');
    tool.close(fd);
    expect(counts(m)).toEqual(baseline);
  });
});

describe('a two-member vfio group while one member goes', () => {
  const P0 = '0000:05:00.0';
  const P1 = '0000:05:00.1';
  const toVfio = (m: Machine, bdf: string) => {
    const root = m.processes.root;
    root.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
    root.writeFile(`/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf);
    root.writeFile('/sys/bus/pci/drivers_probe', bdf);
  };

  it('unbinding one member keeps the group (its node, GET_STATUS) for the other; its device fd → ENODEV; the last member ends it', () => {
    const m = bootMachine({ presets: ['mlx5-nic-dual'], modules: ['mlx5_core', 'vfio_pci'] });
    const before = counts(m);
    toVfio(m, P0);
    toVfio(m, P1);
    const g = m.processes.root.readlink(`/sys/bus/pci/devices/${P0}/iommu_group`).split('/').pop()!;
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const group = p.open(`/dev/vfio/${g}`, 'rw');
    const container = p.open('/dev/vfio/vfio', 'rw');
    p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container });
    m.processes.root.writeFile(`/sys/bus/pci/devices/${P1}/driver/unbind`, P1);
    expect(m.vfs.exists(`/dev/vfio/${g}`)).toBe(true);
    expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: true, containerSet: true });
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', P1))).toBe('ENODEV');
    // The claim holds while the container is set: mlx5_core cannot take the freed member (EBUSY).
    m.processes.root.writeFile(`/sys/bus/pci/devices/${P1}/driver_override`, '\n');
    expect(errnoOf(() => m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', P1))).toBe('EBUSY');
    // The last member: the group dies under the open file (ENODEV), close works.
    m.processes.root.writeFile(`/sys/bus/pci/devices/${P0}/driver/unbind`, P0);
    expect(m.vfs.exists(`/dev/vfio/${g}`)).toBe(false);
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_STATUS'))).toBe('ENODEV');
    p.close(group);
    p.close(container);
    for (const bdf of [P0, P1]) {
      m.processes.root.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, '\n');
      m.processes.root.writeFile('/sys/bus/pci/drivers_probe', bdf);
    }
    expect(counts(m)).toEqual(before);
  });
});

describe('a CXL memdev file while cxl_pci is unloaded', () => {
  it('rmmod cxl_pci succeeds under it (ENXIO); cxl_core stays pinned until close', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci'] });
    const before = counts(m);
    const p = m.processes.spawn('cxl', { uid: 0, gid: 0, caps: [] });
    const fd = p.open('/dev/cxl/mem0', 'rw');
    m.rmmod('cxl_pci');
    const q = p.mm.map(8);
    expect(errnoOf(() => p.ioctl(fd, CXL_MEM_QUERY_COMMANDS, q))).toBe('ENXIO');
    expect(errnoOf(() => m.rmmod('cxl_core'))).toBe('EBUSY');
    p.close(fd);
    expect(m.get<CxlCoreModule>(ICxlCore).live).toBe(0);
    m.modprobe('cxl_pci');
    expect(counts(m)).toEqual(before);
  });
});
