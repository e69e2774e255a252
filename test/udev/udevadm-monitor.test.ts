/**
 * `udevadm monitor` over a machine's boot: the banner, `KERNEL[sec.usec] action devpath (subsystem)`
 * and `UDEV  [...]` lines in arrival order with virtual time, --property blocks as the received
 * device lists them (MAJOR/MINOR last), -k/-u and subsystem/tag filters.
 */
import { describe, expect, it } from 'vitest';
import { createMachine, machineUdev } from '../../src/machine/index.js';
import { formatMonitorLine, formatMonotonic, monitorMessage, receivedProperties } from '../../src/udev/daemon/monitor.js';
import { parseSubsystemMatch, udevadmMonitor } from '../../src/udev/udevadm/udevadm-monitor.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
const LINE = /^(KERNEL|UDEV {2})\[\d+\.\d{6}\] (add|remove|change|move|online|offline|bind|unbind) +\/\S+ \(\S+\)$/;

function bootLog() {
  const m = createMachine({ presets: ['cxl-type3'] });
  m.boot();
  return { m, log: machineUdev(m).monitor.messages };
}

describe('udevadm monitor', () => {
  it('prints the banner, then every kernel and udev event of the boot', () => {
    const { m, log } = bootLog();
    const out = udevadmMonitor(log);
    const [banner, body] = [out.slice(0, out.indexOf('\n\n') + 2), out.slice(out.indexOf('\n\n') + 2)];
    expect(banner).toBe(
      'monitor will print the received events for:\nUDEV - the event which udev sends out after rule processing\nKERNEL - the kernel uevent\n\n',
    );
    const lines = body.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(LINE);
    // Uevents of kernel init (bus registration) come before udevd listens.
    const since = log[0]!.seqnum;
    expect(lines.filter((l) => l.startsWith('KERNEL'))).toHaveLength(m.uevent.log.filter((e) => e.seqnum >= since).length);
    expect(lines.filter((l) => l.startsWith('UDEV'))).toHaveLength(machineUdev(m).daemon.processed.length);
    expect(lines).toContain(`KERNEL[0.000000] add      ${CXL} (pci)`);
    expect(lines).toContain(`UDEV  [0.000000] bind     ${CXL} (pci)`);
    // A device's udev event comes after its kernel event.
    expect(lines.indexOf(`UDEV  [0.000000] add      ${CXL} (pci)`)).toBeGreaterThan(lines.indexOf(`KERNEL[0.000000] add      ${CXL} (pci)`));
  });

  it('selects groups with -k/-u and filters by subsystem[/devtype] and tag', () => {
    const { log } = bootLog();
    const kernel = udevadmMonitor(log, { kernel: true });
    expect(kernel).toContain('KERNEL - the kernel uevent\n\n');
    expect(kernel).not.toContain('UDEV - ');
    expect(kernel).not.toMatch(/^UDEV /m);
    const aux = udevadmMonitor(log, { udev: true, subsystemMatch: ['auxiliary'] });
    const lines = aux.split('\n\n')[1]!.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^UDEV {2}\[.*\(auxiliary\)$/);
    expect(udevadmMonitor(log, { subsystemMatch: ['pci/nodevtype'] }).split('\n\n')[1]).toBe('');
    expect(udevadmMonitor(log, { tagMatch: ['nothing'] }).split('\n\n')[1]).toBe('');
    expect(parseSubsystemMatch('block/disk')).toEqual({ subsystem: 'block', devtype: 'disk' });
  });

  it('prints properties with --property, then a blank line', () => {
    const { log } = bootLog();
    const out = udevadmMonitor(log, { kernel: true, property: true, subsystemMatch: ['pci'] });
    const first = out.split('\n\n')[1]!;
    expect(first.split('\n')).toEqual([
      'KERNEL[0.000000] add      /devices/pci0000:00/0000:00:01.0 (pci)',
      'ACTION=add',
      'DEVPATH=/devices/pci0000:00/0000:00:01.0',
      'SUBSYSTEM=pci',
      'PCI_CLASS=60400',
      'PCI_ID=1B36:000C',
      'PCI_SUBSYS_ID=0000:0000',
      'PCI_SLOT_NAME=0000:00:01.0',
      'MODALIAS=pci:v00001B36d0000000Csv00000000sd00000000bc06sc04i00',
      `SEQNUM=${log.find((e) => e.devpath === '/devices/pci0000:00/0000:00:01.0')!.seqnum}`,
    ]);
  });

  it('parses a message as sd-device does: MAJOR/MINOR last, DEVNAME absolute, links and tags rebuilt', () => {
    expect(
      receivedProperties([
        ['UDEV_DATABASE_VERSION', '1'],
        ['ACTION', 'add'],
        ['DEVPATH', '/devices/x/fwctl/fwctl0'],
        ['SUBSYSTEM', 'fwctl'],
        ['MAJOR', '239'],
        ['MINOR', '0'],
        ['DEVNAME', 'fwctl/fwctl0'],
        ['DEVLINKS', '/dev/a /dev/b'],
        ['TAGS', ':x:'],
        ['CURRENT_TAGS', ':x:'],
        ['SEQNUM', '9'],
      ]),
    ).toEqual([
      ['ACTION', 'add'],
      ['DEVPATH', '/devices/x/fwctl/fwctl0'],
      ['SUBSYSTEM', 'fwctl'],
      ['DEVNAME', '/dev/fwctl/fwctl0'],
      ['SEQNUM', '9'],
      ['MAJOR', '239'],
      ['MINOR', '0'],
      ['DEVLINKS', '/dev/a /dev/b'],
      ['TAGS', ':x:'],
      ['CURRENT_TAGS', ':x:'],
    ]);
  });

  it('formats virtual time as seconds.microseconds', () => {
    expect(formatMonotonic(0)).toBe('0.000000');
    expect(formatMonotonic(1_500_000)).toBe('1.500000');
    expect(formatMonotonic(12_000_345)).toBe('12.000345');
    const m = monitorMessage('udev', 2_000_001, 3, [
      ['ACTION', 'change'],
      ['DEVPATH', '/devices/a'],
    ]);
    expect(formatMonitorLine(m)).toBe('UDEV  [2.000001] change   /devices/a ((null))');
  });

  it('stamps events with the virtual clock', () => {
    const m = createMachine({ presets: ['cxl-type3'] });
    m.boot();
    m.advance(1500);
    m.processes.root.writeFile(`/sys${CXL}/uevent`, 'change');
    m.settle();
    const out = udevadmMonitor(machineUdev(m).monitor.messages);
    expect(out).toContain(`KERNEL[1.500000] change   ${CXL} (pci)`);
    expect(out).toContain(`UDEV  [1.500000] change   ${CXL} (pci)`);
  });
});
