/**
 * The permission matrix: every root-only sysfs and /dev operation of the machine, tried by an
 * unprivileged process (uid 1000, no capabilities) and by uid 0 without capabilities. The
 * unprivileged process is refused by the file mode (EACCES, at open, generic_permission); uid 0
 * passes the mode bits as the owner, and is refused only where the kernel asks capable():
 * `enable` (enable_store, CAP_SYS_ADMIN), `numa_node` (numa_node_store, CAP_SYS_ADMIN), the netdev
 * attributes (netdev_store, CAP_NET_ADMIN), FWCTL_RPC at FWCTL_RPC_DEBUG_WRITE_FULL (fwctl_cmd_rpc,
 * CAP_SYS_RAWIO), and loading or unloading a module (kernel/module/main.c: may_init_module for
 * init_module/finit_module, and delete_module, both `!capable(CAP_SYS_MODULE)` → -EPERM — which
 * refuses the unprivileged caller with EPERM too: no file mode is involved).
 *
 * vfio: the group node /dev/vfio/N has the devtmpfs default 0600 root (vfio_devnode sets no mode),
 * so only its owner opens it; vfio_group_fops_open asks capable(CAP_SYS_RAWIO) only for a no-IOMMU
 * group, and this machine's groups have an IOMMU, so uid 0 without capabilities opens it and sets
 * its container (vfio_iommu_type1_open has no capable(); vfio_noiommu_open would). The container
 * node /dev/vfio/vfio is 0666 (the misc device's .mode): anyone opens it and asks its ioctls.
 * Handing a function to vfio-pci is sysfs writes (driver_override 0644, unbind/bind/new_id 0200):
 * the file mode only.
 *
 * Root with every capability is the control column: never EACCES or EPERM, and where a row names
 * the outcome (`root`), exactly that. Every cell is a test.
 */
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import type { Machine } from '../../src/machine/index.js';
import { FWCTL_RPC_DEBUG_WRITE, FWCTL_RPC_DEBUG_WRITE_FULL, cxlOpcodes, encodeFwctlRpcCxl } from '../../src/protocols/index.js';
import { type Process, fwctlRpc } from '../../src/userspace/index.js';
import { CXL, NIC, bootMachine } from '../support/pci-machine.js';

const DOE1 = 'cxl_pci.doe.1';
/** A CXL Get Supported Features command (allowed at every scope). */
const getSupportedFeatures = encodeFwctlRpcCxl(cxlOpcodes.GET_SUPPORTED_FEATURES, Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0));

type Caller = 'unprivileged' | 'uid0-nocaps' | 'root';
/** What a caller gets: an exact errno, or `allowed` (anything but EACCES/EPERM). */
type Cell = 'EACCES' | 'EPERM' | 'allowed';

interface Row {
  readonly op: string;
  readonly run: (p: Process, m: Machine) => unknown;
  readonly unprivileged: Cell;
  readonly uid0: Cell;
  /** Root's exact outcome (`ok` or an errno), when the row pins it; otherwise anything but EACCES/EPERM. */
  readonly root?: string;
}

const write = (path: string, value: string) => (p: Process) => p.writeFile(path, value);

/** VF0 of the NIC, bound to vfio-pci in every cell's machine; VF1, bound to mlx5_core. */
const VF0 = '0000:03:00.1';
const VF1 = '0000:03:00.2';
/** /dev/vfio/N of VF0's IOMMU group. */
const vfioGroup = (m: Machine) => `/dev/vfio/${m.processes.root.readlink(`/sys/bus/pci/devices/${VF0}/iommu_group`).split('/').pop()}`;
/** A VMM's first steps: the group, a container, type1, the device file. */
function vfioDeviceFd(p: Process, m: Machine): unknown {
  const group = p.open(vfioGroup(m), 'rw');
  const container = p.open('/dev/vfio/vfio', 'rw');
  p.ioctl(group, 'VFIO_GROUP_SET_CONTAINER', { fd: container });
  p.ioctl(container, 'VFIO_SET_IOMMU', 3);
  return p.ioctl(group, 'VFIO_GROUP_GET_DEVICE_FD', VF0);
}
/** VF1 with driver_override vfio-pci and unbound (as root): what is left is the bind. */
function vf1Released(m: Machine): void {
  const root = m.processes.root;
  root.writeFile(`/sys/bus/pci/devices/${VF1}/driver_override`, 'vfio-pci');
  root.writeFile(`/sys/bus/pci/drivers/mlx5_core/unbind`, VF1);
}

const rows: Row[] = [
  { op: 'pci unbind', run: write('/sys/bus/pci/drivers/cxl_pci/unbind', CXL), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci bind', run: write('/sys/bus/pci/drivers/cxl_pci/bind', CXL), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci drivers_probe', run: write('/sys/bus/pci/drivers_probe', CXL), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci drivers_autoprobe', run: write('/sys/bus/pci/drivers_autoprobe', '0'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci rescan', run: write('/sys/bus/pci/rescan', '1'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci driver_override', run: write(`/sys/bus/pci/devices/${CXL}/driver_override`, 'vfio-pci'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci uevent', run: write(`/sys/bus/pci/devices/${CXL}/uevent`, 'change'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci remove', run: write(`/sys/bus/pci/devices/${NIC}/remove`, '1'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci device rescan', run: write(`/sys/bus/pci/devices/${NIC}/rescan`, '1'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'pci sriov_numvfs', run: write(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '1'), unprivileged: 'EACCES', uid0: 'allowed' },
  {
    op: 'pci sriov_drivers_autoprobe',
    run: write(`/sys/bus/pci/devices/${NIC}/sriov_drivers_autoprobe`, '0'),
    unprivileged: 'EACCES',
    uid0: 'allowed',
  },
  { op: 'pci enable', run: write(`/sys/bus/pci/devices/${NIC}/enable`, '1'), unprivileged: 'EACCES', uid0: 'EPERM' },
  {
    op: 'pci config write',
    run: (p) => {
      const fd = p.open(`/sys/bus/pci/devices/${NIC}/config`, 'rw');
      p.pwrite(fd, Uint8Array.of(0), 0x3c);
    },
    unprivileged: 'EACCES',
    uid0: 'allowed',
  },
  { op: 'auxiliary unbind', run: write('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.0'), unprivileged: 'EACCES', uid0: 'allowed' },
  {
    op: 'auxiliary driver_override',
    run: write('/sys/bus/auxiliary/devices/cxl_pci.doe.0/driver_override', 'doe_user.doe'),
    unprivileged: 'EACCES',
    uid0: 'allowed',
  },
  { op: 'auxiliary drivers_probe', run: write('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.0'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'net mtu', run: write('/sys/class/net/eth0/mtu', '1400'), unprivileged: 'EACCES', uid0: 'EPERM' },
  { op: 'net tx_queue_len', run: write('/sys/class/net/eth0/tx_queue_len', '500'), unprivileged: 'EACCES', uid0: 'EPERM' },
  { op: 'net flags', run: write('/sys/class/net/eth0/flags', '0x1003'), unprivileged: 'EACCES', uid0: 'EPERM' },
  { op: 'open /dev/doe', run: (p) => p.open(`/dev/doe/${DOE1}`, 'rw'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'open /dev/fwctl', run: (p) => p.open('/dev/fwctl/fwctl0', 'rw'), unprivileged: 'EACCES', uid0: 'allowed' },
  {
    op: 'FWCTL_RPC debug-write-full',
    run: (p) => fwctlRpc(p, p.open('/dev/fwctl/fwctl0', 'rw'), FWCTL_RPC_DEBUG_WRITE_FULL, new Uint8Array(16)),
    unprivileged: 'EACCES',
    uid0: 'EPERM',
  },
  // fwctl: scopes below debug-write-full ask no capability (DEBUG_WRITE only taints); the node is 0600.
  {
    op: 'FWCTL_RPC debug-write',
    run: (p) => fwctlRpc(p, p.open('/dev/fwctl/fwctl0', 'rw'), FWCTL_RPC_DEBUG_WRITE, getSupportedFeatures),
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  { op: 'open /dev/fwctl read-only', run: (p) => p.open('/dev/fwctl/fwctl0', 'r'), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
  { op: 'open /dev/doe read-only', run: (p) => p.open(`/dev/doe/${DOE1}`, 'r'), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
  // PCI: numa_node_store checks CAP_SYS_ADMIN before anything; reset_store, the bus's rescan only the mode.
  { op: 'pci numa_node', run: write(`/sys/bus/pci/devices/${NIC}/numa_node`, '0'), unprivileged: 'EACCES', uid0: 'EPERM', root: 'ok' },
  { op: 'pci reset', run: write(`/sys/bus/pci/devices/${CXL}/reset`, '1'), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
  { op: 'pci_bus rescan', run: write('/sys/class/pci_bus/0000:00/rescan', '1'), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
  {
    op: 'pci sriov_numvfs disable',
    run: write(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '0'),
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  // Modules: init_module/delete_module ask CAP_SYS_MODULE of everyone (may_init_module, delete_module).
  { op: 'modprobe (init_module)', run: (p, m) => m.modprobe('mlx5_fwctl', p), unprivileged: 'EPERM', uid0: 'EPERM', root: 'ok' },
  { op: 'rmmod (delete_module)', run: (p, m) => m.rmmod('cxl_fwctl', p), unprivileged: 'EPERM', uid0: 'EPERM', root: 'ok' },
  // vfio: the group node's mode; the container node is 0666.
  { op: 'open /dev/vfio/N (group)', run: (p, m) => p.open(vfioGroup(m), 'rw'), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
  { op: 'open /dev/vfio/vfio (container)', run: (p) => p.open('/dev/vfio/vfio', 'rw'), unprivileged: 'allowed', uid0: 'allowed', root: 'ok' },
  {
    op: 'VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION on a container',
    run: (p) => {
      const c = p.open('/dev/vfio/vfio', 'rw');
      p.ioctl(c, 'VFIO_GET_API_VERSION');
      if (p.ioctl(c, 'VFIO_CHECK_EXTENSION', 3) !== 1) throw new Error('type1v2 not offered');
    },
    unprivileged: 'allowed',
    uid0: 'allowed',
    root: 'ok',
  },
  {
    op: 'VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU type1, VFIO_GROUP_GET_DEVICE_FD',
    run: vfioDeviceFd,
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  {
    op: 'hand to vfio-pci: driver_override',
    run: write(`/sys/bus/pci/devices/${VF1}/driver_override`, 'vfio-pci'),
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  {
    op: 'hand to vfio-pci: unbind mlx5_core',
    run: write('/sys/bus/pci/drivers/mlx5_core/unbind', VF1),
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  {
    op: 'hand to vfio-pci: bind',
    run: (p, m) => {
      vf1Released(m);
      p.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', VF1);
    },
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  {
    op: 'hand to vfio-pci: drivers_probe',
    run: (p, m) => {
      vf1Released(m);
      p.writeFile('/sys/bus/pci/drivers_probe', VF1);
    },
    unprivileged: 'EACCES',
    uid0: 'allowed',
    root: 'ok',
  },
  { op: 'vfio-pci new_id', run: write('/sys/bus/pci/drivers/vfio-pci/new_id', '15b3 101e'), unprivileged: 'EACCES', uid0: 'allowed' },
  { op: 'hand back: unbind vfio-pci', run: write('/sys/bus/pci/drivers/vfio-pci/unbind', VF0), unprivileged: 'EACCES', uid0: 'allowed', root: 'ok' },
];

/**
 * The machine every cell starts from: both presets, DOE mailbox 1 handed to doe_user, two VFs of
 * the NIC — VF0 handed to vfio-pci, VF1 on mlx5_core.
 */
function machine(): Machine {
  const m = bootMachine({
    presets: ['cxl-type3', 'mlx5-nic'],
    modules: ['cxl_pci', 'pci_doe', 'doe_user', 'fwctl', 'cxl_fwctl', 'mlx5_core', 'vfio_pci'],
  });
  const root = m.processes.root;
  root.writeFile(`/sys/bus/pci/devices/${NIC}/sriov_numvfs`, '2');
  root.writeFile(`/sys/bus/pci/devices/${VF0}/driver_override`, 'vfio-pci');
  root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', VF0);
  root.writeFile('/sys/bus/pci/drivers_probe', VF0);
  root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
  root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
  return m;
}

function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (DriverModelError.is(e)) return e.errno;
    throw e;
  }
}

const spawn: Record<Caller, (m: Machine) => Process> = {
  unprivileged: (m) => m.processes.spawn('user', { uid: 1000, gid: 1000, caps: [] }),
  'uid0-nocaps': (m) => m.processes.spawn('nocaps', { uid: 0, gid: 0, caps: [] }),
  root: (m) => m.processes.root,
};

const cells = rows.flatMap((row) =>
  (['unprivileged', 'uid0-nocaps', 'root'] as const).map((caller) => ({
    ...row,
    caller,
    expected: caller === 'unprivileged' ? row.unprivileged : caller === 'uid0-nocaps' ? row.uid0 : (row.root ?? 'allowed'),
  })),
);

describe('permission matrix: root-only operations by callers without the privilege', () => {
  it.each(cells)('$op by $caller: $expected', ({ run, caller, expected }) => {
    const m = machine();
    try {
      const got = outcome(() => run(spawn[caller](m), m));
      if (expected === 'allowed') expect(got === 'EACCES' || got === 'EPERM', `got ${got}`).toBe(false);
      else expect(got).toBe(expected);
    } finally {
      m.dispose();
    }
  });
});
