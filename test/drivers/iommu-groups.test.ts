/**
 * Multi-member IOMMU groups (reference kernel-driver-model §8.8; drivers/iommu/iommu.c
 * pci_device_group, drivers/pci/pci.c pci_acs_enabled) and vfio group viability
 * (drivers/vfio/group.c vfio_group_ioctl_get_status, container.c vfio_container_attach_group →
 * iommu_group_claim_dma_owner; dd.c really_probe → pci_dma_configure →
 * iommu_device_use_default_domain).
 */
import { describe, expect, it } from 'vitest';
import { IIommuCore, type IommuCore, IPciCore, type PciCore, pciAcs, pciAcsEnabled, pciFindExtCapability } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

const P0 = '0000:05:00.0';
const P1 = '0000:05:00.1';
const sys = (bdf: string) => `/sys/bus/pci/devices/${bdf}`;

function dualNic(): Machine {
  return bootMachine({ presets: ['mlx5-nic', 'mlx5-nic-dual'], modules: ['mlx5_core', 'vfio_pci'] });
}

const groupOf = (m: Machine, bdf: string) =>
  Number(
    m.processes.root
      .readlink(`${sys(bdf)}/iommu_group`)
      .split('/')
      .pop(),
  );
const driverOf = (m: Machine, bdf: string) =>
  m.vfs.exists(`${sys(bdf)}/driver`)
    ? m.processes.root
        .readlink(`${sys(bdf)}/driver`)
        .split('/')
        .pop()
    : null;

function toVfio(m: Machine, bdf: string): void {
  const root = m.processes.root;
  root.writeFile(`${sys(bdf)}/driver_override`, 'vfio-pci');
  if (driverOf(m, bdf)) root.writeFile(`${sys(bdf)}/driver/unbind`, bdf);
  root.writeFile('/sys/bus/pci/drivers_probe', bdf);
}

function unbind(m: Machine, bdf: string): void {
  m.processes.root.writeFile(`${sys(bdf)}/driver/unbind`, bdf);
}

function counts(m: Machine): { devices: number; openFiles: number; groups: number } {
  return {
    devices: [...m.core.devices].length,
    openFiles: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0),
    groups: m.get<IommuCore>(IIommuCore).groups.length,
  };
}

describe('pci_device_group: who shares a group', () => {
  it('puts both functions of a multifunction device without ACS in one group; ACS root ports and single functions stay alone', () => {
    const m = dualNic();
    const root = m.processes.root;
    const g = groupOf(m, P0);
    expect(groupOf(m, P1)).toBe(g);
    expect(root.readdir(`/sys/kernel/iommu_groups/${g}/devices`)).toEqual([P0, P1]);
    // The root port above them and the single-function NIC each have their own group.
    const others = ['0000:00:02.0', '0000:00:04.0', '0000:03:00.0'].map((bdf) => groupOf(m, bdf));
    expect(new Set([...others, g]).size).toBe(4);
    const adding = m.log.records.map((r) => r.message).filter((s) => s.includes('05:00') && s.includes('iommu group'));
    expect(adding).toEqual([`pci ${P0}: Adding to iommu group ${g}`, `pci ${P1}: Adding to iommu group ${g}`]);
  });

  it('the kernel turns on the ACS bits a root port offers (pci_std_enable_acs: SV RR CR UF, not TB)', () => {
    const m = dualNic();
    const pci = m.get<PciCore>(IPciCore);
    const port = pci.findDevice('0000:00:04.0')!;
    const pos = pciFindExtCapability(port, 0x000d);
    expect(pos).toBe(0x148);
    expect(port.configRead(pos + pciAcs.CTRL, 2)).toBe(pciAcs.SV | pciAcs.RR | pciAcs.CR | pciAcs.UF);
    expect(pciAcsEnabled(port)).toBe(true);
    // A multifunction endpoint without the capability does not isolate; a single-function one does.
    expect(pciAcsEnabled(pci.findDevice(P0)!)).toBe(false);
    expect(pciAcsEnabled(pci.findDevice('0000:03:00.0')!)).toBe(true);
  });

  it('below a switch downstream port without ACS the endpoint joins the port’s group (QEMU CXL switch)', () => {
    const m = bootMachine({ presets: ['qemu-cxl-switch'] });
    const [usp, dsp, ep] = ['0000:0d:00.0', '0000:0e:00.0', '0000:0f:00.0'];
    expect(groupOf(m, ep)).toBe(groupOf(m, dsp));
    expect(groupOf(m, usp)).not.toBe(groupOf(m, dsp));
    expect(m.processes.root.readdir(`/sys/kernel/iommu_groups/${groupOf(m, dsp)}/devices`)).toEqual([dsp, ep]);
  });

  it('a group lives while any member does: removing one port keeps it, removing both frees the id', () => {
    const m = dualNic();
    const root = m.processes.root;
    const g = groupOf(m, P0);
    root.writeFile(`${sys(P1)}/remove`, '1');
    expect(root.readdir(`/sys/kernel/iommu_groups/${g}/devices`)).toEqual([P0]);
    root.writeFile(`${sys(P0)}/remove`, '1');
    expect(root.readdir('/sys/kernel/iommu_groups')).not.toContain(String(g));
    // A rescan puts both back into one group again.
    root.writeFile('/sys/bus/pci/rescan', '1');
    expect(groupOf(m, P0)).toBe(groupOf(m, P1));
  });
});

describe('viability of a two-member group (VFIO_GROUP_FLAGS_VIABLE)', () => {
  // The other port's state → GET_STATUS viable before a container is set, and SET_CONTAINER's errno.
  it.each([
    { other: 'mlx5_core', viable: false, setContainer: 'EPERM' },
    { other: 'unbound', viable: true, setContainer: 'ok' },
    { other: 'vfio-pci', viable: true, setContainer: 'ok' },
  ])('port 1 $other → viable $viable, SET_CONTAINER $setContainer', ({ other, viable, setContainer }) => {
    const m = dualNic();
    toVfio(m, P0);
    if (other === 'unbound') unbind(m, P1);
    if (other === 'vfio-pci') toVfio(m, P1);
    expect(driverOf(m, P1)).toBe(other === 'unbound' ? null : other);
    const g = groupOf(m, P0);
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    // vfio_group_fops_open does not look at viability: the open succeeds either way.
    const group = p.open(`/dev/vfio/${g}`, 'rw');
    const container = p.open('/dev/vfio/vfio', 'rw');
    expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable, containerSet: false });
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container }))).toBe(setContainer);
    if (setContainer === 'ok') expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: true, containerSet: true });
  });

  it('with the group in use, binding a DMA-API driver to the other port fails EBUSY; vfio-pci still binds; the user gets both devices', () => {
    const m = dualNic();
    const root = m.processes.root;
    const before = counts(m);
    toVfio(m, P0);
    unbind(m, P1);
    const g = groupOf(m, P0);
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const group = p.open(`/dev/vfio/${g}`, 'rw');
    const container = p.open('/dev/vfio/vfio', 'rw');
    p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container });
    p.ioctl(container, 'VFIO_SET_IOMMU', 3);
    // iommu_device_use_default_domain: the group has an owner → EBUSY, through bind and drivers_probe alike.
    expect(errnoOf(() => root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', P1))).toBe('EBUSY');
    root.writeFile('/sys/bus/pci/drivers_probe', P1);
    expect(driverOf(m, P1)).toBe(null);
    // Not a vfio device yet → ENODEV; once vfio-pci (driver_managed_dma) binds it, it is.
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', P1))).toBe('ENODEV');
    toVfio(m, P1);
    expect(driverOf(m, P1)).toBe('vfio-pci');
    const d0 = p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', P0) as number;
    const d1 = p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', P1) as number;
    // One group node for both.
    expect(root.readdir('/dev/vfio').sort()).toEqual([String(g), 'vfio']);
    for (const fd of [d1, d0, container, group]) p.close(fd);
    // Hand both back: mlx5_core binds both again once the claim ended.
    for (const bdf of [P0, P1]) {
      unbind(m, bdf);
      root.writeFile(`${sys(bdf)}/driver_override`, '\n');
      root.writeFile('/sys/bus/pci/drivers_probe', bdf);
      expect(driverOf(m, bdf)).toBe('mlx5_core');
    }
    expect(counts(m)).toEqual(before);
  });

  it('a DMA-API driver bound while the group file is open but before SET_CONTAINER makes it non-viable again', () => {
    const m = dualNic();
    toVfio(m, P0);
    unbind(m, P1);
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const group = p.open(`/dev/vfio/${groupOf(m, P0)}`, 'rw');
    const container = p.open('/dev/vfio/vfio', 'rw');
    expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: true, containerSet: false });
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', P1);
    expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: false, containerSet: false });
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container }))).toBe('EPERM');
  });
});
