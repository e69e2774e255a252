/**
 * `udevadm info` on a booted machine: the -q record and queries, device lookup by /sys path,
 * /dev node, /dev link and .device unit, the -a attribute walk in 252's format, --export-db.
 */
import { describe, expect, it } from 'vitest';
import { type Machine, createMachine, machineUdev } from '../../src/machine/index.js';
import { type UdevadmHost, findDevice, infoDeviceArg, parseInfoQuery, udevadmInfo } from '../../src/udev/udevadm/udevadm-info.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
const DOE1 = `${CXL}/cxl_pci.doe.1`;
const NODE = `${DOE1}/doe/cxl_pci.doe.1`;

/** cxl-type3 with cxl_pci.doe.1 handed to doe_user, its node 0660 root:plugdev with a link. */
function machine(): { m: Machine; host: UdevadmHost } {
  const m = createMachine({
    presets: ['cxl-type3'],
    modules: ['pci_doe', 'doe_user'],
    rules: [
      { name: '60-doe.rules', text: 'SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.1", ATTR{driver_override}="doe_user.doe"\n' },
      {
        name: '70-node.rules',
        text: 'SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660", SYMLINK+="doe-compliance", ENV{ID_DOE_ROLE}="compliance", TAG+="uaccess"\n',
      },
    ],
  });
  m.boot();
  m.processes.root.writeFile(`/sys${DOE1}/driver/unbind`, 'cxl_pci.doe.1');
  m.processes.root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1');
  m.settle();
  const u = machineUdev(m);
  return { m, host: { sysfs: u.sysfs, devfs: u.devfs, db: u.daemon.db } };
}

describe('udevadm info -q', () => {
  it('prints the record of a device with a node (-q all)', () => {
    const { host } = machine();
    const r = udevadmInfo(host, { devices: ['/dev/doe-compliance'] });
    expect(r.status).toBe(0);
    expect(r.out).toBe(
      [
        `P: ${NODE}`,
        'M: cxl_pci.doe.1',
        'R: 1',
        'U: doe',
        'D: c 254:0',
        'N: doe/cxl_pci.doe.1',
        'L: 0',
        'S: doe-compliance',
        `E: DEVPATH=${NODE}`,
        // Found through /dev: the uevent file is read (for the device number) before the
        // subsystem is looked up, so SUBSYSTEM comes after it (252 does the same:
        // test/conformance/udevadm/info-all-dev-link.txt).
        'E: DEVNAME=/dev/doe/cxl_pci.doe.1',
        'E: MAJOR=254',
        'E: MINOR=0',
        'E: SUBSYSTEM=doe',
        'E: ID_DOE_ROLE=compliance',
        'E: DEVLINKS=/dev/doe-compliance',
        'E: TAGS=:uaccess:',
        'E: CURRENT_TAGS=:uaccess:',
        '',
        '',
      ].join('\n'),
    );
  });

  it('answers name, symlink, path and property queries', () => {
    const { host } = machine();
    const q = (query: 'name' | 'symlink' | 'path' | 'property', extra = {}) => udevadmInfo(host, { devices: [`/sys${NODE}`], query, ...extra }).out;
    expect(q('name')).toBe('doe/cxl_pci.doe.1\n');
    expect(q('name', { root: true })).toBe('/dev/doe/cxl_pci.doe.1\n');
    expect(q('symlink')).toBe('doe-compliance\n');
    expect(q('symlink', { root: true })).toBe('/dev/doe-compliance\n');
    expect(q('path')).toBe(`${NODE}\n`);
    expect(q('property', { properties: ['MAJOR', 'ID_DOE_ROLE'] })).toBe('MAJOR=254\nID_DOE_ROLE=compliance\n');
    expect(q('property', { properties: ['MAJOR'], value: true })).toBe('254\n');
    expect(q('property', { properties: ['MAJOR'], export: true, exportPrefix: 'X_' })).toBe("X_MAJOR='254'\n");
  });

  it('fails -q name for a device without a node', () => {
    const { host } = machine();
    const r = udevadmInfo(host, { devices: [`/sys${CXL}`], query: 'name' });
    expect(r).toEqual({ out: '', err: 'No device node found: No such file or directory\n', status: 1 });
  });

  it('finds devices by /sys link, /dev node, -p/-n arguments and .device unit names', () => {
    const { host } = machine();
    const devpath = (id: string, prefix?: string) => {
      const d = findDevice(host, id, prefix);
      return typeof d === 'string' ? d : d.devpath;
    };
    expect(devpath('/sys/bus/pci/devices/0000:0d:00.0')).toBe(CXL);
    expect(devpath('/dev/doe/cxl_pci.doe.1')).toBe(NODE);
    expect(devpath(infoDeviceArg('path', CXL))).toBe(CXL);
    expect(devpath(infoDeviceArg('name', 'doe-compliance'))).toBe(NODE);
    expect(devpath('sys-devices-pci0000:00-0000:00:01.0-0000:0d:00.0.device')).toBe(CXL);
    expect(devpath('/sys/devices/nope')).toBe('ENODEV');
    expect(devpath('/nope')).toBe('ENODEV');
    expect(devpath('nope')).toBe('EINVAL');
  });

  it('reports unknown devices and bad arguments, and goes on with the others', () => {
    const { host } = machine();
    const r = udevadmInfo(host, { devices: ['nope', '/sys/devices/nope', `/sys${CXL}`], query: 'path' });
    expect(r.status).toBe(1);
    expect(r.out).toBe(`${CXL}\n`);
    expect(r.err).toBe(
      'Bad argument "nope", expected an absolute path in /dev/ or /sys/ or a unit name: Invalid argument\n' +
        'Unknown device "/sys/devices/nope": No such device\n',
    );
  });

  it('refuses bad combinations', () => {
    const { host } = machine();
    expect(udevadmInfo(host, { devices: [] }).status).toBe(2);
    expect(udevadmInfo(host, { devices: ['/sys/a', '/sys/b'], attributeWalk: true }).status).toBe(2);
    expect(udevadmInfo(host, { devices: ['/sys/a'], export: true, value: true }).status).toBe(2);
    expect(parseInfoQuery('env')).toBe('property');
    expect(parseInfoQuery('bogus')).toBeUndefined();
  });
});

describe('udevadm info -a', () => {
  it('walks up the parents in udev rules key format', () => {
    const { host } = machine();
    const out = udevadmInfo(host, { devices: [`/sys${DOE1}`], attributeWalk: true }).out;
    expect(out.startsWith('\nUdevadm info starts with the device specified by the devpath and then\n')).toBe(true);
    expect(out).toContain(
      `  looking at device '${DOE1}':\n` +
        '    KERNEL=="cxl_pci.doe.1"\n' +
        '    SUBSYSTEM=="auxiliary"\n' +
        '    DRIVER=="doe_user.doe"\n' +
        '    ATTR{driver_override}=="doe_user.doe"\n' +
        // power/ of a device without runtime PM (pm_runtime_init defaults); autosuspend_delay_ms
        // reads EIO, which udevadm skips (only EACCES is "(not readable)").
        '    ATTR{power/async}=="disabled"\n' +
        '    ATTR{power/control}=="auto"\n',
    );
    expect(out).toContain(`  looking at parent device '${CXL}':\n    KERNELS=="0000:0d:00.0"\n    SUBSYSTEMS=="pci"\n    DRIVERS=="cxl_pci"\n`);
    expect(out).toContain('    ATTRS{vendor}=="0x8086"\n');
    // Write-only attributes are listed as not readable; uevent, modalias, resource, driver… never.
    expect(out).toContain('    ATTRS{remove}=="(not readable)"\n');
    expect(out).not.toMatch(/ATTRS?\{(uevent|modalias|resource|driver|subsystem|module)\}/);
    // Attributes come sorted within a device.
    const block = out.split('looking at parent device')[1]!;
    const names = [...block.matchAll(/ATTRS\{([^}]*)\}/g)].map((m) => m[1]!);
    expect(names).toEqual([...names].sort());
  });
});

describe('udevadm info --export-db', () => {
  it('prints every device record in devpath order, parents first', () => {
    const { host } = machine();
    const out = udevadmInfo(host, { devices: [], exportDb: true }).out;
    const paths = [...out.matchAll(/^P: (.*)$/gm)].map((m) => m[1]!);
    expect(paths).toContain(CXL);
    expect(paths).toContain(NODE);
    expect(paths.indexOf(CXL)).toBeLessThan(paths.indexOf(DOE1));
    expect(paths.indexOf(DOE1)).toBeLessThan(paths.indexOf(NODE));
    expect(out.endsWith('\n\n')).toBe(true);
  });
});
