/**
 * `udevadm trigger` on a booted machine: --dry-run lists devices without sending anything, the
 * default action `change` is written to each `uevent` file and udevd processes the synthetic
 * events; subsystem, attribute, sysname and parent matches; --type=subsystems; bad actions.
 */
import { describe, expect, it } from 'vitest';
import { type Machine, createMachine, machineUdev } from '../../src/machine/index.js';
import { enumerateDevices, pathCompare } from '../../src/udev/device-enumerator.js';
import { SysfsAccess } from '../../src/udev/sources/sysfs-access.js';
import { type TriggerHost, type UdevadmTriggerOptions, parseKeyValue, udevadmTrigger } from '../../src/udev/udevadm/udevadm-trigger.js';
import { ueventVar } from '../../src/bus/index.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';

function machine(): { m: Machine; host: TriggerHost } {
  const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'] });
  m.boot();
  const u = machineUdev(m);
  return { m, host: { sysfs: u.sysfs, db: u.daemon.db, settle: () => void m.settle() } };
}

describe('udevadm trigger --dry-run', () => {
  it('lists every device (parents first) and sends nothing', () => {
    const { m, host } = machine();
    const before = m.uevent.seqnum;
    const r = udevadmTrigger(host, { dryRun: true, verbose: true });
    expect(r.status).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toContain(`/sys${CXL}`);
    expect(lines).toContain(`/sys${CXL}/cxl_pci.doe.1`);
    expect(lines).toContain('/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0');
    // The host bridge has no subsystem: never enumerated.
    expect(lines).not.toContain('/sys/devices/pci0000:00');
    expect([...lines].sort((a, b) => pathCompare(a, b))).toEqual(lines);
    expect(m.uevent.seqnum).toBe(before);
    expect(r.triggered).toEqual([]);
  });

  it('filters by subsystem, attribute, sysname and parent', () => {
    const { host } = machine();
    const list = (matches: UdevadmTriggerOptions['matches']) =>
      udevadmTrigger(host, { dryRun: true, verbose: true, matches }).out.trimEnd().split('\n');
    expect(list({ subsystems: ['auxiliary'], sysnames: ['cxl_pci.doe.*'] })).toEqual([0, 1, 2].map((i) => `/sys${CXL}/cxl_pci.doe.${i}`));
    expect(list({ subsystems: ['pci'], sysattrs: [parseKeyValue('vendor=0x15b3')] })).toEqual(['/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0']);
    expect(list({ subsystems: ['pci'], nomatchSysattrs: [['vendor', '0x1b36']] })).toEqual([
      `/sys${CXL}`,
      '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0',
    ]);
    expect(list({ parents: [`/sys${CXL}`], nomatchSubsystems: ['auxiliary'] })).toEqual([`/sys${CXL}`, `/sys${CXL}/fwctl/fwctl0`, `/sys${CXL}/mem0`]);
    expect(list({ properties: [['DRIVER', 'mlx5_*']] })).toEqual([
      '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0',
      '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/mlx5_core.eth.0',
      '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/mlx5_core.fwctl.0',
      '/sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/mlx5_core.rdma.0',
    ]);
  });

  it('walks modules, buses and drivers with --type=subsystems', () => {
    const { host } = machine();
    const lines = udevadmTrigger(host, { dryRun: true, verbose: true, type: 'subsystems' }).out.trimEnd().split('\n');
    expect(lines).toContain('/sys/bus/pci');
    expect(lines).toContain('/sys/bus/pci/drivers/cxl_pci');
    expect(lines.some((l) => l.startsWith('/sys/devices/'))).toBe(false);
  });
});

describe('udevadm trigger', () => {
  it('writes `change` to each uevent file and udevd processes the synthetic events', () => {
    const { m, host } = machine();
    const udev = machineUdev(m);
    const before = m.uevent.seqnum;
    const r = udevadmTrigger(host, { matches: { subsystems: ['auxiliary'] }, settle: true });
    expect(r.status).toBe(0);
    expect(r.triggered).toHaveLength(r.devices.length);
    const sent = m.uevent.log.filter((e) => e.seqnum > before);
    expect(sent.map((e) => e.action)).toEqual(r.devices.map(() => 'change'));
    expect(sent.map((e) => `/sys${e.devpath}`)).toEqual(r.devices);
    expect(sent.every((e) => ueventVar(e, 'SYNTH_UUID') === '0')).toBe(true);
    expect(udev.daemon.isIdle).toBe(true);
    const processed = udev.daemon.processed.filter((p) => p.seqnum > before).map((p) => p.seqnum);
    expect(processed.sort((a, b) => a - b)).toEqual(sent.map((e) => e.seqnum));
  });

  it('reloads a removed module through 80-drivers.rules on a triggered add (coldplug)', () => {
    const { m, host } = machine();
    m.rmmod('pci_doe');
    m.settle();
    expect(m.findDevice('cxl_pci.doe.0').driver).toBeUndefined();
    // `change` does not load modules: 80-drivers.rules acts on `add` only.
    udevadmTrigger(host, { matches: { subsystems: ['auxiliary'] }, settle: true });
    expect(m.modules.isLoaded('pci_doe')).toBe(false);
    udevadmTrigger(host, { action: 'add', matches: { subsystems: ['auxiliary'] }, settle: true });
    expect(m.modules.isLoaded('pci_doe')).toBe(true);
    for (const i of [0, 1, 2]) expect(m.findDevice(`cxl_pci.doe.${i}`).driver?.name).toBe('pci_doe.doe');
  });

  it('refuses an unknown action and lists the actions for `help`', () => {
    const { host } = machine();
    expect(udevadmTrigger(host, { action: 'explode' })).toMatchObject({ status: 2, err: "Unknown action 'explode'\n" });
    expect(udevadmTrigger(host, { action: 'help' }).out).toBe('add\nremove\nchange\nmove\nonline\noffline\nbind\nunbind\n');
  });
});

describe('device enumerator', () => {
  it('orders paths component-wise, parents first', () => {
    expect(['/a/b-c', '/a/b/c', '/a/b', '/a'].sort(pathCompare)).toEqual(['/a', '/a/b', '/a/b/c', '/a/b-c']);
  });

  it('enumerates each device once', () => {
    const { m } = machine();
    const u = machineUdev(m);
    const devs = enumerateDevices(new SysfsAccess(u.sysfs), u.daemon.db).map((d) => d.syspath);
    expect(new Set(devs).size).toBe(devs.length);
  });
});
