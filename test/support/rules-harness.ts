/**
 * What the rules tests and the udev-events bench share: a rules context over a device
 * description (the loaded sysfs, devtmpfs and database, Debian's passwd, the default programs,
 * a fixed clock), an explain sink that records nothing (explain mode visits every line, so it is
 * the reference the fast path is compared with), and the `add` uevent of the eth0 netdev below
 * 0000:03:00.0 that their descriptions hold. Each keeps its own description.
 */
import { debianPasswd } from '../../src/base/index.js';
import { defaultPrograms, type DiagnosticSink, type executeRules, loadDeviceDesc, SysfsAccess, type UdevContext } from '../../src/udev/index.js';

/** An explain sink that records nothing: executeRules then evaluates every line. */
export const quietExplain: NonNullable<Parameters<typeof executeRules>[2]> = {
  skipped: () => undefined,
  failed: () => undefined,
  passed: () => undefined,
  matched: () => undefined,
};

/** A rules context over the devices of `desc` (loadDeviceDesc format), diagnostics dropped. */
export function rulesContext(desc: string): UdevContext {
  const env = loadDeviceDesc(desc);
  const sink: DiagnosticSink = { debug: false, emit: () => undefined };
  return {
    fs: new SysfsAccess(env.sysfs),
    devfs: env.devfs,
    db: env.database,
    passwd: debianPasswd(),
    programs: defaultPrograms(),
    sink,
    cmdline: '',
    constants: { arch: 'x86-64', virt: 'none' },
    now: () => 1,
    builtinHost: {},
  };
}

/** The uevent of eth0's `add` (PCI function 0000:03:00.0), numbered `seqnum`. */
export function eth0AddUevent(seqnum = 1): Array<[string, string]> {
  return [
    ['ACTION', 'add'],
    ['DEVPATH', '/devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0'],
    ['SUBSYSTEM', 'net'],
    ['INTERFACE', 'eth0'],
    ['IFINDEX', '4'],
    ['SEQNUM', String(seqnum)],
  ];
}

/**
 * The bench's netdev (bench/udev-events.ts): a ConnectX port, eth0 below 0000:03:00.0, with
 * the attributes and properties Debian's rules read. debian-fast-path.test.ts counts the work
 * of its `add` event.
 */
export const benchNetdevDesc = `
P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0
E: INTERFACE=eth0
E: IFINDEX=4
E: SUBSYSTEM=net
A: address=b8:ce:f6:01:02:03\\n
A: addr_assign_type=0\\n
A: type=1\\n
A: ifindex=4\\n
A: iflink=4\\n
A: dev_port=0\\n
A: phys_port_name=p0\\n
A: operstate=down\\n
A: mtu=1500\\n
A: name_assign_type=1\\n

P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0
E: DRIVER=mlx5_core
E: PCI_CLASS=20000
E: PCI_ID=15B3:101D
E: PCI_SUBSYS_ID=15B3:0016
E: PCI_SLOT_NAME=0000:03:00.0
E: MODALIAS=pci:v000015B3d0000101Dsv000015B3sd00000016bc02sc00i00
E: SUBSYSTEM=pci
A: vendor=0x15b3\\n
A: device=0x101d\\n
A: class=0x020000\\n
A: numa_node=0\\n
H: config=b3151d10060410000000020000008000

P: /devices/pci0000:00/0000:00:02.0
E: DRIVER=pcieport
E: PCI_CLASS=60400
E: SUBSYSTEM=pci
A: vendor=0x8086\\n
A: device=0x1901\\n

P: /devices/pci0000:00
`;
