/**
 * udevd on the preset machine: module autoload by MODALIAS through 80-drivers.rules (and none
 * without autoload; never the override-only doe_user), a driver_override rule that is too late
 * for a loaded driver and takes effect at the next drivers_probe (DESIGN.md §1), GROUP/MODE and
 * SYMLINK on /dev, the udev database, rules acting on the machine (IMPORT{cmdline}, ATTR{},
 * SYSCTL{}, RUN sh -c sysfs writes, failures in the journal) and byte-identical event logs.
 */
import { describe, expect, it } from 'vitest';
import { type Machine, type MachineOptions, createMachine, machineUdev } from '../../src/machine/index.js';
import { udevadmMonitor } from '../../src/udev/udevadm/udevadm-monitor.js';
import { ueventVar } from '../../src/bus/index.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
const DOE1 = `${CXL}/cxl_pci.doe.1`;

function boot(options: MachineOptions = {}): Machine {
  const m = createMachine({ presets: ['cxl-type3', 'mlx5-nic'], ...options });
  m.boot();
  return m;
}

const driverOf = (m: Machine, name: string) => m.findDevice(name).driver?.name ?? null;

describe('autoload', () => {
  it('loads cxl_pci, mlx5_core and pci_doe by MODALIAS and binds their devices', () => {
    const m = boot();
    expect(m.modules.loaded).toEqual(expect.arrayContaining(['cxl_pci', 'mlx5_core', 'pci_doe']));
    expect(driverOf(m, '0000:0d:00.0')).toBe('cxl_pci');
    expect(driverOf(m, '0000:03:00.0')).toBe('mlx5_core');
    for (const i of [0, 1, 2]) expect(driverOf(m, `cxl_pci.doe.${i}`)).toBe('pci_doe.doe');
    // Every device whose MODALIAS names an installed module ends up bound.
    for (const dev of m.core.devices) {
      const ev = m.uevent.log.find((e) => e.devpath === dev.devpath && e.action === 'add');
      const alias = ev ? ueventVar(ev, 'MODALIAS') : undefined;
      if (alias === undefined || m.modules.resolveAlias(alias).length === 0) continue;
      expect(dev.driver, dev.name).toBeDefined();
    }
  });

  it('runs kmod from the udev worker of the add event, through 80-drivers.rules', () => {
    const m = boot();
    const udev = machineUdev(m);
    const pciAdd = udev.daemon.processed.find((p) => p.devpath === CXL && p.action === 'add')!;
    expect(pciAdd.run).toEqual(['kmod load']);
    const bind = udev.daemon.processed.find((p) => p.devpath === CXL && p.action === 'bind')!;
    expect(bind.run).toEqual([]);
    // The module's own uevent comes after the bind it caused, both after the device's add.
    const seq = (action: string, devpath: string) => m.uevent.log.find((e) => e.action === action && e.devpath === devpath)!.seqnum;
    expect(seq('add', CXL)).toBeLessThan(seq('bind', CXL));
    expect(seq('bind', CXL)).toBeLessThan(seq('add', '/module/cxl_pci'));
  });

  it('loads nothing without autoload', () => {
    const m = boot({ autoload: false });
    expect(m.modules.loaded).toEqual([]);
    // Only built-in drivers (pcieport and its services) are bound: no module driver.
    for (const dev of m.core.devices) expect(dev.driver?.module).toBeUndefined();
    expect(machineUdev(m).daemon.processed.every((p) => p.run.length === 0)).toBe(true);
  });

  it('never autoloads the override-only doe_user', () => {
    const m = boot();
    expect(m.modules.loaded).not.toContain('doe_user');
    expect(m.modules.resolveAlias('auxiliary:cxl_pci.doe')).not.toContain('doe_user');
  });

  it('lets an administrator rules file of the same name mask 80-drivers.rules', () => {
    const m = boot({ rules: [{ name: '80-drivers.rules', text: '' }] });
    expect(m.modules.loaded).toEqual([]);
  });
});

describe('driver_override written by a rule on add (DESIGN.md §1)', () => {
  const rules = [{ name: '60-doe.rules', text: 'SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.1", ATTR{driver_override}="doe_user.doe"\n' }];

  it('is too late for a driver loaded before the device appeared', () => {
    const m = boot({ modules: ['pci_doe', 'doe_user'], rules });
    const root = m.processes.root;
    expect(driverOf(m, 'cxl_pci.doe.1')).toBe('pci_doe.doe');
    expect(root.readFile(`/sys${DOE1}/driver_override`)).toBe('doe_user.doe\n');
    // The next probe honours it.
    root.writeFile(`/sys${DOE1}/driver/unbind`, 'cxl_pci.doe.1');
    root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1');
    m.settle();
    expect(driverOf(m, 'auxiliary:cxl_pci.doe.1')).toBe('doe_user.doe');
    expect(driverOf(m, 'cxl_pci.doe.0')).toBe('pci_doe.doe');
  });
});

describe('device nodes and links', () => {
  const rules = [
    { name: '60-doe.rules', text: 'SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.1", ATTR{driver_override}="doe_user.doe"\n' },
    { name: '70-doe-node.rules', text: 'SUBSYSTEM=="doe", GROUP="plugdev", MODE="0660", SYMLINK+="doe-compliance", ENV{ID_DOE_ROLE}="compliance"\n' },
  ];

  function bindDoeUser(m: Machine): void {
    const root = m.processes.root;
    root.writeFile(`/sys${DOE1}/driver/unbind`, 'cxl_pci.doe.1');
    root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1');
    m.settle();
  }

  it('applies GROUP and MODE to the node and creates the symlink', () => {
    const m = boot({ modules: ['pci_doe', 'doe_user'], rules });
    expect(m.vfs.exists('/dev/doe/cxl_pci.doe.1')).toBe(false);
    bindDoeUser(m);
    const st = m.vfs.stat('/dev/doe/cxl_pci.doe.1');
    expect(st.mode & 0o7777).toBe(0o660);
    expect(st.gid).toBe(46); // plugdev
    expect(st.uid).toBe(0);
    expect(m.vfs.readlink('/dev/doe-compliance')).toBe('doe/cxl_pci.doe.1');
    // The database entry of the class device.
    const dbEntry = [...machineUdev(m).daemon.db.entries()].find(([, e]) => e.devlinks.includes('doe-compliance'));
    expect(dbEntry?.[1].properties).toContainEqual(['ID_DOE_ROLE', 'compliance']);
  });

  it('removes the symlink when the device goes away', () => {
    const m = boot({ modules: ['pci_doe', 'doe_user'], rules });
    bindDoeUser(m);
    m.processes.root.writeFile(`/sys${DOE1}/driver/unbind`, 'cxl_pci.doe.1');
    m.settle();
    expect(m.vfs.exists('/dev/doe/cxl_pci.doe.1')).toBe(false);
    expect(m.vfs.exists('/dev/doe-compliance')).toBe(false);
    expect([...machineUdev(m).daemon.db.entries()].some(([, e]) => e.devlinks.includes('doe-compliance'))).toBe(false);
  });

  it('drops links and database entries when the hardware is unplugged', () => {
    const m = boot({ modules: ['pci_doe', 'doe_user'], rules });
    bindDoeUser(m);
    const udev = machineUdev(m);
    const before = m.uevent.seqnum;
    m.unplug('0000:0d:00.0');
    m.settle();
    expect(m.vfs.exists('/dev/doe-compliance')).toBe(false);
    // Only the NIC's devices keep entries: udev stores one for every netdev (n<ifindex>) and
    // every device node (fwctl0, c<major>:<minor>).
    expect([...udev.daemon.db.entries()].map(([id]) => id).filter((id) => !id.startsWith('n') && !id.startsWith('c'))).toEqual([]);
    expect([...udev.daemon.db.entries()].map(([id]) => id)).toContain('n2');
    // Every remove was processed, children before their parents.
    const removes = udev.daemon.processed.filter((p) => p.seqnum > before && p.action === 'remove').map((p) => p.devpath);
    expect(removes).toContain(CXL);
    expect(removes.indexOf(DOE1)).toBeLessThan(removes.indexOf(CXL));
    expect(udev.daemon.isIdle).toBe(true);
  });

  it('leaves nodes 0600 root:root without rules', () => {
    const m = boot({ modules: ['pci_doe', 'doe_user'], rules: [rules[0]!] });
    bindDoeUser(m);
    const st = m.vfs.stat('/dev/doe/cxl_pci.doe.1');
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 0, 0]);
  });
});

describe('udevd journal and failures', () => {
  it('logs rules diagnostics once at start', () => {
    const m = boot({ rules: [{ name: '50-bad.rules', text: 'KERNEL=="x", FOO="y"\n' }] });
    const texts = machineUdev(m).daemon.journal.map((d) => d.text);
    expect(texts).toContain("/etc/udev/rules.d/50-bad.rules:1 Invalid key 'FOO'");
  });

  it('does not see uevents sent before boot', () => {
    const m = createMachine({ presets: ['cxl-type3'] });
    m.modprobe('cxl_pci');
    m.boot();
    const udev = machineUdev(m);
    expect(udev.daemon.processed.some((p) => p.devpath === '/module/cxl_pci')).toBe(false);
  });
});

describe('determinism', () => {
  function eventLog(options: MachineOptions): string {
    const m = boot(options);
    const udev = machineUdev(m);
    return udevadmMonitor(udev.monitor.messages, { property: true }) + JSON.stringify(udev.daemon.processed);
  }

  it('gives byte-identical kernel and udev event logs for the same input', () => {
    expect(eventLog({})).toBe(eventLog({}));
  });

  it('gives byte-identical logs for the same random seed', () => {
    const a = eventLog({ policy: { kind: 'random', seed: 7 } });
    expect(eventLog({ policy: { kind: 'random', seed: 7 } })).toBe(a);
  });
});

describe('rules acting on the machine', () => {
  const AUX_RULE = 'SUBSYSTEM=="auxiliary", ACTION=="add", KERNEL=="cxl_pci.doe.1"';

  it('imports kernel command line keys with IMPORT{cmdline}', () => {
    const m = boot({
      cmdline: 'quiet auxbus.doe_role=compliance auxbus.flag',
      // Every event, not only add: the bind event's database entry replaces the add event's
      // (252 carries old properties over only on move), so an add-only import would be gone.
      rules: [
        {
          name: '60-cmdline.rules',
          text: 'SUBSYSTEM=="auxiliary", KERNEL=="cxl_pci.doe.1", IMPORT{cmdline}="auxbus.doe_role", IMPORT{cmdline}="auxbus.flag", IMPORT{cmdline}="auxbus.absent"\n',
        },
      ],
    });
    const props = machineUdev(m).daemon.db.entries();
    const entry = [...props].find(([id]) => id.includes('cxl_pci.doe.1'))?.[1];
    expect(entry?.properties).toContainEqual(['auxbus.doe_role', 'compliance']);
    expect(entry?.properties).toContainEqual(['auxbus.flag', '1']);
    expect(entry?.properties.some(([k]) => k === 'auxbus.absent')).toBe(false);
  });

  it('drops an add-only property at the next event of the device, as 252 does (no carry-over but on move)', () => {
    const m = boot({ rules: [{ name: '60-env.rules', text: `${AUX_RULE}, ENV{ID_ONLY_ON_ADD}="1"\n` }] });
    const idOf = (name: string) => [...machineUdev(m).daemon.db.entries()].find(([id]) => id.endsWith(name));
    // cxl_pci.doe.1 saw add, then bind (pci_doe): the bind event wrote no property, so no entry.
    expect(idOf('cxl_pci.doe.1')).toBeUndefined();
    m.processes.root.writeFile(`/sys${DOE1}/uevent`, 'add');
    m.settle();
    expect(idOf('cxl_pci.doe.1')?.[1].properties).toContainEqual(['ID_ONLY_ON_ADD', '1']);
    m.processes.root.writeFile(`/sys${DOE1}/uevent`, 'change');
    m.settle();
    expect(idOf('cxl_pci.doe.1')).toBeUndefined();
  });

  it('writes ATTR{} through sysfs: driver_override set on add takes effect at the next drivers_probe', () => {
    const m = boot({
      modules: ['pci_doe', 'doe_user'],
      rules: [{ name: '60-override.rules', text: `${AUX_RULE}, ATTR{driver_override}="doe_user.doe"\n` }],
    });
    const root = m.processes.root;
    expect(root.readFile(`/sys${DOE1}/driver_override`)).toBe('doe_user.doe\n');
    expect(driverOf(m, 'cxl_pci.doe.1')).toBe('pci_doe.doe');
    root.writeFile(`/sys${DOE1}/driver/unbind`, 'cxl_pci.doe.1');
    root.writeFile('/sys/bus/auxiliary/drivers_probe', 'cxl_pci.doe.1');
    m.settle();
    expect(driverOf(m, 'cxl_pci.doe.1')).toBe('doe_user.doe');
  });

  it('writes SYSCTL{} into /proc/sys', () => {
    const m = boot({
      rules: [{ name: '60-sysctl.rules', text: `${AUX_RULE}, SYSCTL{net/core/somaxconn}="8192", SYSCTL{kernel.hostname}="doe-host"\n` }],
    });
    const root = m.processes.root;
    expect(root.readFile('/proc/sys/net/core/somaxconn')).toBe('8192\n');
    expect(root.readFile('/proc/sys/kernel/hostname')).toBe('doe-host\n');
  });

  it("runs RUN /bin/sh -c 'echo … > /sys/…' as a root sysfs write, after the rules", () => {
    const m = boot({
      modules: ['pci_doe', 'doe_user'],
      rules: [
        {
          name: '60-handoff.rules',
          text: `SUBSYSTEM=="auxiliary", ACTION=="bind", KERNEL=="cxl_pci.doe.1", DRIVER=="pci_doe.doe", RUN+="/bin/sh -c 'echo doe_user.doe > /sys%p/driver_override; echo %k > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind; echo %k > /sys/bus/auxiliary/drivers_probe'"\n`,
        },
      ],
    });
    expect(driverOf(m, 'cxl_pci.doe.1')).toBe('doe_user.doe');
    expect(driverOf(m, 'cxl_pci.doe.0')).toBe('pci_doe.doe');
    expect(m.vfs.exists('/dev/doe/cxl_pci.doe.1')).toBe(true);
  });

  it('reports an unknown program and a failed sysfs write in the journal, without stopping the queue', () => {
    const m = boot({
      modules: ['pci_doe'],
      rules: [{ name: '60-bad.rules', text: `${AUX_RULE}, RUN+="/usr/bin/not-a-program --x", RUN+="/bin/sh -c 'echo 1 > /sys%p/no_such_attr'"\n` }],
    });
    const udev = machineUdev(m);
    const texts = udev.daemon.journal.map((d) => d.text).join('\n');
    expect(texts).toMatch(/not-a-program/);
    expect(texts).toMatch(/no_such_attr/);
    expect(udev.daemon.isIdle).toBe(true);
    expect(driverOf(m, 'cxl_pci.doe.1')).toBe('pci_doe.doe');
  });
});
