/**
 * mlx5_ib, ib_core and ib_uverbs: mlx5_0 and /dev/infiniband/uverbs0 below the PCI function,
 * their uevent order (uverbs0 before mlx5_0: ib_register_device holds its own uevent back until
 * the clients ran), module dependencies (rmmod mlx5_core EBUSY), MODALIAS autoload at boot, and
 * an open uverbs file outliving its device (disassociated: EIO; close works; counts return).
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/machine/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince } from '../support/pci-machine.js';

const RDMA = `${NIC_PATH}/mlx5_core.rdma.0`;

/** Devices in sysfs and files open on character devices: what must return after a conflict. */
function counts(m: Machine): { devices: number; openFiles: number } {
  return { devices: [...m.core.devices].length, openFiles: m.cdevs.all.reduce((n, c) => n + c.openFiles.size, 0) };
}

describe('mlx5_ib.rdma: mlx5_0 and uverbs0', () => {
  it('should add uverbs0, then mlx5_0, then bind the rdma device (children before the function’s bind)', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['ib_uverbs'] });
    const before = m.uevent.seqnum;
    m.modprobe('mlx5_ib');
    expect(eventsSince(m, before, ['pci', 'auxiliary', 'net', 'infiniband', 'infiniband_verbs'])).toEqual([
      `add ${NIC_PATH}/mlx5_core.eth.0`,
      `add ${NIC_PATH}/net/eth0`,
      `bind ${NIC_PATH}/mlx5_core.eth.0 DRIVER=mlx5_core.eth`,
      `add ${RDMA}`,
      `add ${NIC_PATH}/mlx5_core.fwctl.0`,
      `bind ${NIC_PATH} DRIVER=mlx5_core`,
      `add ${NIC_PATH}/infiniband_verbs/uverbs0`,
      `add ${NIC_PATH}/infiniband/mlx5_0`,
      `bind ${RDMA} DRIVER=mlx5_ib.rdma`,
    ]);
  });

  it('should load mlx5_ib by MODALIAS at boot, with ib_core and ib_uverbs first, inside mlx5_core’s probe', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], autoload: true });
    expect(m.modules.loaded).toEqual(expect.arrayContaining(['mlx5_core', 'ib_core', 'ib_uverbs', 'mlx5_ib']));
    const loaded = m.modules.loaded;
    expect(loaded.indexOf('ib_core')).toBeLessThan(loaded.indexOf('ib_uverbs'));
    expect(loaded.indexOf('ib_uverbs')).toBeLessThan(loaded.indexOf('mlx5_ib'));
    expect(m.processes.root.readlink(`/sys${RDMA}/driver`)).toBe('../../../../../bus/auxiliary/drivers/mlx5_ib.rdma');
  });

  it.each([
    ['node_type', '1: CA\n'],
    ['node_guid', 'b8ce:f603:00a1:2b3c\n'],
    ['sys_image_guid', 'b8ce:f603:00a1:2b3c\n'],
    ['fw_ver', '22.39.1002\n'],
    ['hca_type', 'MT4125\n'],
    ['ports/1/state', '1: DOWN\n'],
    ['ports/1/phys_state', '3: Disabled\n'],
    ['ports/1/link_layer', 'Ethernet\n'],
    ['ports/1/gids/0', 'fe80:0000:0000:0000:bace:f6ff:fea1:2b3c\n'],
  ])('mlx5_0 should read %s as %j', (attr, text) => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_ib'] });
    expect(m.processes.root.readFile(`/sys/class/infiniband/mlx5_0/${attr}`)).toBe(text);
  });

  it('should give uverbs0 its ibdev, abi_version, device link and a 0666 node 231:192', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_ib'] });
    const root = m.processes.root;
    expect(root.readFile('/sys/class/infiniband_verbs/uverbs0/ibdev')).toBe('mlx5_0\n');
    expect(root.readFile('/sys/class/infiniband_verbs/uverbs0/abi_version')).toBe('1\n');
    expect(root.readlink(`/sys${NIC_PATH}/infiniband_verbs/uverbs0/device`)).toBe(`../../../${NIC}`);
    expect(m.vfs.stat('/dev/infiniband/uverbs0')).toMatchObject({ type: 'chr', mode: 0o666, rdev: { major: 231, minor: 192 } });
  });

  it('should refuse rmmod mlx5_core (EBUSY) while mlx5_ib is loaded, and ib_core while ib_uverbs is', () => {
    const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_ib'] });
    expect(errnoOf(() => m.rmmod('mlx5_core'))).toBe('EBUSY');
    expect(errnoOf(() => m.rmmod('ib_core'))).toBe('EBUSY');
    m.rmmod('mlx5_ib');
    m.rmmod('mlx5_core');
    expect(m.modules.loaded).toEqual(['ib_core', 'ib_uverbs']);
  });

  describe('an open uverbs file while its device goes (disassociate: never waits)', () => {
    const cases: [string, (m: Machine) => void][] = [
      ['the parent driver unbinds', (m) => m.processes.root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC)],
      ['mlx5_ib is unloaded', (m) => m.rmmod('mlx5_ib')],
      ['the device is unplugged', (m) => m.unplug(NIC)],
    ];
    it.each(cases)('should disassociate the file when %s: ioctl EIO, close works, counts return', (_what, act) => {
      const m = bootMachine({ presets: ['mlx5-nic'], modules: ['ib_uverbs'] });
      const baseline = counts(m);
      m.modprobe('mlx5_ib');
      const app = m.processes.spawn('rdma-app', { uid: 0, gid: 0, caps: [] });
      const fd = app.open('/dev/infiniband/uverbs0', 'rw');
      expect(app.ioctl(fd, 'IB_USER_VERBS_CMD_QUERY_DEVICE')).toMatchObject({ ibdev: 'mlx5_0' });
      act(m);
      expect(m.vfs.exists('/dev/infiniband/uverbs0')).toBe(false);
      expect(errnoOf(() => app.ioctl(fd, 'IB_USER_VERBS_CMD_QUERY_DEVICE'))).toBe('EIO');
      // The file pins ib_uverbs (its cdev's module), never the hardware driver's module.
      expect(errnoOf(() => m.rmmod('ib_uverbs'))).toBe('EBUSY');
      app.close(fd);
      expect(counts(m).openFiles).toBe(baseline.openFiles);
      if (m.modules.isLoaded('mlx5_ib')) m.rmmod('mlx5_ib');
      m.rmmod('ib_uverbs');
    });

    it('should disassociate a VF’s uverbs file when the VFs are removed (sriov_numvfs 0)', () => {
      const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_ib'] });
      const baseline = counts(m);
      m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '1');
      expect(m.processes.root.readFile('/sys/class/infiniband_verbs/uverbs1/ibdev')).toBe('mlx5_1\n');
      const app = m.processes.spawn('rdma-app', { uid: 0, gid: 0, caps: [] });
      const fd = app.open('/dev/infiniband/uverbs1', 'rw');
      const t0 = m.clock.now();
      m.processes.root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0');
      // No wait (mlx5 disassociates), the VF and its devices are gone, the file answers EIO.
      expect(m.clock.now()).toBe(t0);
      expect(m.vfs.exists('/sys/bus/pci/devices/0000:03:00.1')).toBe(false);
      expect(errnoOf(() => app.ioctl(fd, 'IB_USER_VERBS_CMD_QUERY_DEVICE'))).toBe('EIO');
      app.close(fd);
      expect(counts(m)).toEqual(baseline);
    });

    it('should bring the object counts back to what they were once the file is closed', () => {
      const m = bootMachine({ presets: ['mlx5-nic'], modules: ['ib_uverbs', 'mlx5_core'] });
      const baseline = counts(m);
      m.modprobe('mlx5_ib');
      const app = m.processes.spawn('rdma-app', { uid: 0, gid: 0, caps: [] });
      const fd = app.open('/dev/infiniband/uverbs0', 'rw');
      m.rmmod('mlx5_ib');
      app.close(fd);
      expect(counts(m)).toEqual(baseline);
      m.rmmod('ib_uverbs');
    });
  });
});
