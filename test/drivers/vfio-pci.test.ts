/**
 * vfio-pci and the vfio core (reference kernel-driver-model §8.8–§8.11): binding only through
 * driver_override or new_id, IOMMU groups in sysfs, /dev/vfio nodes, one opener per group, DMA
 * ownership, the hand-off and hand-back uevent orders, and what happens when vfio-pci is unbound,
 * unloaded or the function unplugged while userspace holds the group or a device file.
 */
import { describe, expect, it } from 'vitest';
import { IIommuCore, type IommuCore, IPciCore, type PciCore } from '../../src/pci/index.js';
import { ownerOf } from '../../src/drivers/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const VF = '0000:03:00.1';
const VF_PATH = `/devices/pci0000:00/0000:00:02.0/${VF}`;
const VF_SYS = `/sys/bus/pci/devices/${VF}`;
/** IOMMU groups in add order: 0 root port 00:02.0, 1 the PF, 2 VF0. */
const VF_GROUP = 2;

/** A NIC with one VF bound to mlx5_core, and vfio_pci loaded. */
function machineWithVf(): Machine {
  const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_core', 'vfio_pci'] });
  m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '1');
  return m;
}

/** driverctl set-override VF vfio-pci: override, unbind, drivers_probe. */
function toVfio(m: Machine, bdf = VF): void {
  const root = m.processes.root;
  root.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
  if (m.vfs.exists(`/sys/bus/pci/devices/${bdf}/driver`)) root.writeFile(`/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf);
  root.writeFile('/sys/bus/pci/drivers_probe', bdf);
}

/** driverctl unset-override: unbind, clear the override, drivers_probe. */
function handBack(m: Machine, bdf = VF): void {
  const root = m.processes.root;
  root.writeFile(`/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf);
  root.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, '\n');
  root.writeFile('/sys/bus/pci/drivers_probe', bdf);
}

/** A VMM: group and container open, container set, the device fd taken. */
function vmm(m: Machine, name = 'qemu') {
  const p = m.processes.spawn(name, { uid: 0, gid: 0, caps: [] });
  const group = p.open(`/dev/vfio/${VF_GROUP}`, 'rw');
  const container = p.open('/dev/vfio/vfio', 'rw');
  p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container });
  p.ioctl(container, 'VFIO_SET_IOMMU', 3);
  const device = p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', VF) as number;
  return { p, group, container, device };
}

function counts(m: Machine): { devices: number; openFiles: number } {
  return { devices: [...m.core.devices].length, openFiles: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0) };
}

const driverOf = (m: Machine, bdf: string) =>
  m.vfs.exists(`/sys/bus/pci/devices/${bdf}/driver`) ? m.processes.root.readlink(`/sys/bus/pci/devices/${bdf}/driver`).split('/').pop() : null;

describe('binding (§8.9)', () => {
  it('should bind nothing on load and nothing through drivers_probe without an override', () => {
    const m = machineWithVf();
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    m.processes.root.writeFile('/sys/bus/pci/drivers_probe', VF);
    expect(driverOf(m, VF)).toBe('mlx5_core');
    expect(m.processes.root.readdir('/sys/bus/pci/drivers/vfio-pci').filter((e) => e.startsWith('0000:'))).toEqual([]);
  });

  it('should bind an unbound function through new_id', () => {
    const m = machineWithVf();
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    m.processes.root.writeFile('/sys/bus/pci/drivers/vfio-pci/new_id', '15b3 101e');
    expect(driverOf(m, VF)).toBe('vfio-pci');
  });

  it('should refuse a PF with VFs enabled (EBUSY, "Cannot bind to PF with SR-IOV enabled")', () => {
    const m = machineWithVf();
    const root = m.processes.root;
    root.writeFile(`/sys/bus/pci/devices/${NIC}/driver/unbind`, NIC);
    // As a PF driver that left SR-IOV enabled after its remove() would.
    const pci = m.get<PciCore>(IPciCore);
    pci.enableSriov(pci.findDevice(NIC)!, 1);
    root.writeFile(`/sys/bus/pci/devices/${NIC}/driver_override`, 'vfio-pci');
    expect(errnoOf(() => root.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', NIC))).toBe('EBUSY');
    expect(m.log.records.map((r) => r.message)).toContain(`vfio-pci ${NIC}: Cannot bind to PF with SR-IOV enabled`);
  });

  it('should refuse SR-IOV on a PF it holds: sriov_numvfs → ENOENT (no enable_sriov)', () => {
    const m = machineWithVf();
    const root = m.processes.root;
    root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0');
    toVfio(m, NIC);
    expect(driverOf(m, NIC)).toBe('vfio-pci');
    expect(errnoOf(() => root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '1'))).toBe('ENOENT');
  });

  it('should never autoload: no device MODALIAS matches vfio_pci’s alias', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], autoload: true });
    expect(m.modules.isLoaded('vfio_pci')).toBe(false);
    expect(m.modules.resolveAlias(m.processes.root.readFile(`/sys/bus/pci/devices/${NIC}/modalias`).trim())).not.toContain('vfio_pci');
  });
});

describe('IOMMU groups and nodes (§8.8, §8.9)', () => {
  it('should give every function a group with devices/ and iommu_group links', () => {
    const m = machineWithVf();
    const root = m.processes.root;
    expect(root.readdir('/sys/kernel/iommu_groups')).toEqual(['0', '1', '2']);
    expect(root.readdir(`/sys/kernel/iommu_groups/${VF_GROUP}/devices`)).toEqual([VF]);
    expect(root.readlink(`/sys/kernel/iommu_groups/${VF_GROUP}/devices/${VF}`)).toBe(`../../../../devices/pci0000:00/0000:00:02.0/${VF}`);
    expect(root.readlink(`${VF_SYS}/iommu_group`)).toBe(`../../../../kernel/iommu_groups/${VF_GROUP}`);
    expect(root.readFile(`/sys/kernel/iommu_groups/${VF_GROUP}/reserved_regions`)).toBe('0x00000000fee00000 0x00000000feefffff msi\n');
    // Removing the VFs frees the group (the id is reused by the next VF).
    root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0');
    expect(root.readdir('/sys/kernel/iommu_groups')).toEqual(['0', '1']);
  });

  it('should create /dev/vfio/N (0600, class vfio, virtual) only while a group member is bound, and /dev/vfio/vfio 0666 10:196', () => {
    const m = machineWithVf();
    expect(m.vfs.stat('/dev/vfio/vfio')).toMatchObject({ type: 'chr', mode: 0o666, rdev: { major: 10, minor: 196 } });
    expect(m.vfs.exists(`/dev/vfio/${VF_GROUP}`)).toBe(false);
    toVfio(m);
    expect(m.vfs.stat(`/dev/vfio/${VF_GROUP}`)).toMatchObject({ type: 'chr', mode: 0o600, uid: 0, gid: 0 });
    expect(m.processes.root.readlink(`/sys/class/vfio/${VF_GROUP}`)).toBe(`../../devices/virtual/vfio/${VF_GROUP}`);
  });
});

describe('uevent orders of the hand-off and hand-back (§8.11)', () => {
  it('to vfio-pci: the native children go, unbind, then add vfio N before bind DRIVER=vfio-pci', () => {
    const m = machineWithVf();
    const before = m.uevent.seqnum;
    toVfio(m);
    expect(eventsSince(m, before, ['pci', 'auxiliary', 'vfio'])).toEqual([
      `remove ${VF_PATH}/mlx5_core.fwctl.1`,
      `remove ${VF_PATH}/mlx5_core.rdma.1`,
      `unbind ${VF_PATH}/mlx5_core.eth.1`,
      `remove ${VF_PATH}/mlx5_core.eth.1`,
      `unbind ${VF_PATH}`,
      `add /devices/virtual/vfio/${VF_GROUP}`,
      `bind ${VF_PATH} DRIVER=vfio-pci`,
    ]);
    // The former driver's auxiliary children are gone while vfio-pci holds the function.
    expect(m.processes.root.readdir(`/sys${VF_PATH}`).filter((e) => e.startsWith('mlx5_core.'))).toEqual([]);
  });

  it('and back: remove vfio N, unbind, then the native probe with its children before bind DRIVER=mlx5_core', () => {
    const m = machineWithVf();
    toVfio(m);
    const before = m.uevent.seqnum;
    handBack(m);
    expect(eventsSince(m, before, ['pci', 'auxiliary', 'vfio'])).toEqual([
      `remove /devices/virtual/vfio/${VF_GROUP}`,
      `unbind ${VF_PATH}`,
      `add ${VF_PATH}/mlx5_core.eth.1`,
      `bind ${VF_PATH}/mlx5_core.eth.1 DRIVER=mlx5_core.eth`,
      `add ${VF_PATH}/mlx5_core.rdma.1`,
      `add ${VF_PATH}/mlx5_core.fwctl.1`,
      `bind ${VF_PATH} DRIVER=mlx5_core`,
    ]);
    expect(m.processes.root.readFile(`${VF_SYS}/driver_override`)).toBe('(null)\n');
  });
});

describe('the group file (§8.9)', () => {
  it('should allow one opener (EBUSY) and report the holder as the owner', () => {
    const m = machineWithVf();
    toVfio(m);
    const a = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const b = m.processes.spawn('other', { uid: 0, gid: 0, caps: [] });
    const fd = a.open(`/dev/vfio/${VF_GROUP}`, 'rw');
    expect(errnoOf(() => b.open(`/dev/vfio/${VF_GROUP}`, 'rw'))).toBe('EBUSY');
    expect(ownerOf(m.findDevice(VF))).toEqual({ pid: a.pid, process: 'qemu' });
    expect(a.ioctl(fd, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: true, containerSet: false });
    a.close(fd);
    expect(ownerOf(m.findDevice(VF))).toBe('none');
    b.close(b.open(`/dev/vfio/${VF_GROUP}`, 'rw'));
  });

  it.each([
    [
      'GET_DEVICE_FD without a container',
      (p: ReturnType<Machine['processes']['spawn']>, g: number) => p.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', VF),
      'EINVAL',
    ],
    [
      'SET_CONTAINER with a file that is no container',
      (p: ReturnType<Machine['processes']['spawn']>, g: number) => p.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: g }),
      'EBADFD',
    ],
    [
      'SET_CONTAINER with a closed descriptor',
      (p: ReturnType<Machine['processes']['spawn']>, g: number) => p.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: 42 }),
      'EBADF',
    ],
    ['an unknown ioctl', (p: ReturnType<Machine['processes']['spawn']>, g: number) => p.ioctl(g, 'VFIO_GROUP_FROB'), 'ENOTTY'],
  ] as const)('%s → %s', (_what, call, errno) => {
    const m = machineWithVf();
    toVfio(m);
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const g = p.open(`/dev/vfio/${VF_GROUP}`, 'rw');
    expect(errnoOf(() => call(p, g))).toBe(errno);
  });

  it('GET_DEVICE_FD of a name not in the group → ENODEV; a second SET_CONTAINER → EINVAL', () => {
    const m = machineWithVf();
    toVfio(m);
    const { p, group, container } = vmm(m);
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', NIC))).toBe('ENODEV');
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container }))).toBe('EINVAL');
    expect(p.ioctl(group, 'VFIO_GROUP_GET_STATUS')).toEqual({ viable: true, containerSet: true });
  });
});

describe('DMA ownership: a group is usable by vfio only while no member is bound to a DMA-API driver (§8.8)', () => {
  it('claim → EPERM while mlx5_core (no driver_managed_dma) is bound; a claimed group makes mlx5_core’s probe fail EBUSY', () => {
    const m = machineWithVf();
    const iommu = m.get<IommuCore>(IIommuCore);
    const pci = m.get<PciCore>(IPciCore);
    const group = iommu.groupOf(pci.findDevice(VF)!)!;
    expect(group.viable).toBe(false);
    expect(errnoOf(() => iommu.claimDmaOwner(group, 'user'))).toBe('EPERM');
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    expect(group.viable).toBe(true);
    iommu.claimDmaOwner(group, 'user');
    expect(errnoOf(() => m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', VF))).toBe('EBUSY');
    iommu.releaseDmaOwner(group, 'user');
    m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', VF);
    expect(driverOf(m, VF)).toBe('mlx5_core');
  });
});

describe('userspace holds the function while the kernel takes it away (§8.10)', () => {
  it('unbind with only the group file open: no wait; the node goes; GET_STATUS → ENODEV; close works', () => {
    const m = machineWithVf();
    toVfio(m);
    const p = m.processes.spawn('qemu', { uid: 0, gid: 0, caps: [] });
    const g = p.open(`/dev/vfio/${VF_GROUP}`, 'rw');
    const t0 = m.clock.now();
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    expect(m.clock.now()).toBe(t0);
    expect(m.vfs.exists(`/dev/vfio/${VF_GROUP}`)).toBe(false);
    expect(errnoOf(() => p.ioctl(g, 'VFIO_GROUP_GET_STATUS'))).toBe('ENODEV');
    expect(errnoOf(() => p.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', VF))).toBe('ENODEV');
    p.close(g);
    expect(errnoOf(() => p.open(`/dev/vfio/${VF_GROUP}`, 'rw'))).toBe('ENOENT');
  });

  it('unbind with a device file and a request channel: "Relaying device request to user (#0)", the user closes, unbind ends', () => {
    const m = machineWithVf();
    toVfio(m);
    const { p, device, group } = vmm(m);
    const requests: number[] = [];
    // Like QEMU: on a request, unplug the device from the guest (2 s), then close the fd.
    p.ioctl(device, 'VFIO_DEVICE_SET_IRQS', {
      index: 'REQ',
      trigger: (n: number) => {
        requests.push(n);
        m.scheduler.queue('guest unplug', () => p.close(device), { delay: 2000 });
      },
    });
    const t0 = m.clock.now();
    const before = m.uevent.seqnum;
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    expect(requests).toEqual([0]);
    expect(m.clock.now() - t0).toBe(2000);
    expect(m.log.records.map((r) => r.message)).toContain(`vfio-pci ${VF}: Relaying device request to user (#0)`);
    expect(eventsSince(m, before, ['pci', 'vfio'])).toEqual([`remove /devices/virtual/vfio/${VF_GROUP}`, `unbind ${VF_PATH}`]);
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_STATUS'))).toBe('ENODEV');
  });

  it('unbind with a device file and no request channel: one warning, the wait lasts until the user closes (35 s), requests every 10 s', () => {
    const m = machineWithVf();
    toVfio(m);
    const { p, device } = vmm(m);
    m.scheduler.queue('user gives up', () => p.close(device), { delay: 35_000 });
    const t0 = m.clock.now();
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    expect(m.clock.now() - t0).toBe(35_000);
    const warnings = m.log.records.filter((r) => r.message.includes('No device request channel registered'));
    expect(warnings.map((r) => r.message)).toEqual([`vfio-pci ${VF}: No device request channel registered, blocked until released by user`]);
    expect(driverOf(m, VF)).toBeNull();
  });

  it('a device file nobody closes: the model revokes it after an hour of virtual time and says so', () => {
    const m = machineWithVf();
    toVfio(m);
    const { p, device } = vmm(m);
    const t0 = m.clock.now();
    m.processes.root.writeFile(`${VF_SYS}/driver/unbind`, VF);
    expect(m.clock.now() - t0).toBe(3_600_000);
    expect(m.log.records.some((r) => r.message.includes('simulation: device still held after 360 requests'))).toBe(true);
    p.close(device);
  });

  it('rmmod vfio_pci → EBUSY while a device file is open (it pins the module); ok after close', () => {
    const m = machineWithVf();
    toVfio(m);
    const { p, device, group, container } = vmm(m);
    expect(errnoOf(() => m.rmmod('vfio_pci'))).toBe('EBUSY');
    p.close(device);
    m.rmmod('vfio_pci');
    // The group file pins vfio, not vfio_pci; the group is gone with its last device.
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_STATUS'))).toBe('ENODEV');
    expect(errnoOf(() => m.rmmod('vfio'))).toBe('EBUSY');
    p.close(group);
    p.close(container);
    m.rmmod('vfio_pci_core');
    m.rmmod('vfio');
  });

  it.each([
    ['the VF is unplugged (with its PF)', (m: Machine) => m.unplug(NIC)],
    ['the VFs are removed (sriov_numvfs 0)', (m: Machine) => m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0')],
    ['the PF’s driver unbinds', (m: Machine) => m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC)],
  ])('when %s under an open device file: the wait, then the VF goes; counts return after close', (_what, act) => {
    const m = machineWithVf();
    toVfio(m);
    const baseline = counts(m);
    const { p, device, group, container } = vmm(m);
    m.scheduler.queue('close', () => p.close(device), { delay: 5000 });
    const t0 = m.clock.now();
    act(m);
    expect(m.clock.now() - t0).toBe(5000);
    expect(m.vfs.exists(VF_SYS)).toBe(false);
    expect(errnoOf(() => p.ioctl(group, 'VFIO_GROUP_GET_STATUS'))).toBe('ENODEV');
    p.close(group);
    p.close(container);
    const after = counts(m);
    expect(after.openFiles).toBe(baseline.openFiles);
    // The VF, its group device and its three children are gone (and the PF with them on unplug).
    expect(after.devices).toBeLessThan(baseline.devices);
  });
});
