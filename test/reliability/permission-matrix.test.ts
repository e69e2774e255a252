/**
 * The permission matrix: every root-only sysfs and /dev operation of the machine, tried by an
 * unprivileged process (uid 1000, no capabilities) and by uid 0 without capabilities. The
 * unprivileged process is refused by the file mode (EACCES, at open, generic_permission); uid 0
 * passes the mode bits as the owner, and is refused only where the kernel asks capable():
 * `enable` (enable_store, CAP_SYS_ADMIN), the netdev attributes (netdev_store, CAP_NET_ADMIN), and
 * FWCTL_RPC at FWCTL_RPC_DEBUG_WRITE_FULL (fwctl_cmd_rpc, CAP_SYS_RAWIO). Root with every
 * capability is the control column: never EACCES or EPERM. Every cell is a test.
 */
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import type { Machine } from '../../src/machine/index.js';
import { FWCTL_RPC_DEBUG_WRITE_FULL } from '../../src/protocols/index.js';
import { type Process, fwctlRpc } from '../../src/userspace/index.js';
import { CXL, NIC, bootMachine } from '../support/pci-machine.js';

const DOE1 = 'cxl_pci.doe.1';

type Caller = 'unprivileged' | 'uid0-nocaps' | 'root';
/** What a caller gets: an exact errno, or `allowed` (anything but EACCES/EPERM). */
type Cell = 'EACCES' | 'EPERM' | 'allowed';

interface Row {
  readonly op: string;
  readonly run: (p: Process, m: Machine) => unknown;
  readonly unprivileged: Cell;
  readonly uid0: Cell;
}

const write = (path: string, value: string) => (p: Process) => p.writeFile(path, value);

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
];

/** The machine every cell starts from: both presets, DOE mailbox 1 handed to doe_user. */
function machine(): Machine {
  const m = bootMachine({ presets: ['cxl-type3', 'mlx5-nic'], modules: ['cxl_pci', 'pci_doe', 'doe_user', 'fwctl', 'cxl_fwctl', 'mlx5_core'] });
  const root = m.processes.root;
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
    expected: caller === 'unprivileged' ? row.unprivileged : caller === 'uid0-nocaps' ? row.uid0 : ('allowed' as Cell),
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
