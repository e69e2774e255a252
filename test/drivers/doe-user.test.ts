import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { doeMailboxOwner, ownerOf } from '../../src/drivers/index.js';
import { CXL, CXL_PATH, bootMachine, errnoOf, lastEventEnv } from '../support/pci-machine.js';

const DOE1 = 'cxl_pci.doe.1';
const NODE = '/dev/doe/cxl_pci.doe.1';
const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);
const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);

/** cxl_pci and pci_doe bound; doe.1 handed to doe_user the documented way. */
function handOver(options: Parameters<typeof bootMachine>[0] = {}): Machine {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'], ...options });
  const root = m.processes.root;
  m.modprobe('doe_user');
  root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
  root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
  return m;
}

const spawn = (m: Machine, name: string) => m.processes.spawn(name, { uid: 0, gid: 0, caps: [] });

describe('doe_user binding (DESIGN.md §3, §4)', () => {
  it('should never bind without driver_override and have no autoload alias', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'doe_user'] });
    expect(auxOf(m).findDevice(DOE1)!.driver).toBeUndefined();
    expect(m.modules.modulesAlias()).not.toContain('doe_user');
    expect(m.modules.resolveAlias('auxiliary:cxl_pci.doe')).toEqual(['pci_doe']);
  });

  it('should create the doe class device below the auxiliary device with a /dev/doe node', () => {
    const m = handOver();
    const adev = auxOf(m).findDevice(DOE1)!;
    expect(adev.driver?.name).toBe('doe_user.doe');
    const path = `${CXL_PATH}/${DOE1}/doe/${DOE1}`;
    const env = Object.fromEntries(lastEventEnv(m, 'add', path));
    expect(env.SUBSYSTEM).toBe('doe');
    expect(env.DEVNAME).toBe(`doe/${DOE1}`);
    const node = m.devtmpfs.lookup(NODE);
    expect(node?.kind === 'chr' ? [node.mode, node.uid, node.gid, node.devt.major] : undefined).toEqual([0o600, 0, 0, Number(env.MAJOR)]);
    expect(m.sysfs.readlink(`/sys/class/doe/${DOE1}`)).toBe(`../../devices/pci0000:00/0000:00:01.0/${CXL}/${DOE1}/doe/${DOE1}`);
  });

  it('should refuse a device that is not a DOE mailbox with ENODEV', () => {
    const m = handOver();
    const root = m.processes.root;
    root.writeFile('/sys/bus/auxiliary/devices/cxl_pci.fwctl.0/driver_override', 'doe_user.doe');
    expect(errnoOf(() => root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/bind', 'cxl_pci.fwctl.0'))).toBe('ENODEV');
  });
});

describe('doe_user exclusivity', () => {
  it('should let one process at a time hold the mailbox (EBUSY for a second open)', () => {
    const m = handOver();
    const alice = spawn(m, 'alice');
    const bob = spawn(m, 'bob');
    const fd = alice.open(NODE, 'rw');
    expect(errnoOf(() => bob.open(NODE, 'rw'))).toBe('EBUSY');
    expect(errnoOf(() => alice.open(NODE, 'r'))).toBe('EBUSY');
    alice.close(fd);
    const fdBob = bob.open(NODE, 'rw');
    expect(ownerOf(auxOf(m).findDevice(DOE1)!)).toEqual({ pid: bob.pid, process: 'bob' });
    bob.close(fdBob);
  });
});

describe('doe_user revocation', () => {
  it.each([
    ['its driver unbinds', (m: Machine) => m.processes.root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE1)],
    ['the parent function unbinds', (m: Machine) => m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL)],
    ['the function is removed', (m: Machine) => m.processes.root.writeFile(`/sys/bus/pci/devices/${CXL}/remove`, '1')],
    ['the function is surprise-removed', (m: Machine) => m.unplug(CXL)],
  ])('should fail every operation with ENODEV after %s, and still close', (_what, takeAway) => {
    const m = handOver();
    const alice = spawn(m, 'alice');
    const fd = alice.open(NODE, 'rw');
    takeAway(m);
    expect(m.devtmpfs.lookup(NODE)).toBeUndefined();
    expect(errnoOf(() => alice.read(fd, 16))).toBe('ENODEV');
    expect(errnoOf(() => alice.write(fd, new Uint8Array(8)))).toBe('ENODEV');
    expect(errnoOf(() => alice.ioctl(fd, 'DOE_EXCHANGE'))).toBe('ENODEV');
    expect(errnoOf(() => alice.close(fd))).toBe('ok');
    expect(errnoOf(() => spawn(m, 'bob').open(NODE, 'rw'))).toBe('ENOENT');
  });

  it('should keep doe_user loaded while a revoked file is open (rmmod EBUSY), then unload', () => {
    const m = handOver();
    const alice = spawn(m, 'alice');
    const fd = alice.open(NODE, 'rw');
    expect(errnoOf(() => m.rmmod('doe_user'))).toBe('EBUSY');
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE1);
    expect(errnoOf(() => m.rmmod('doe_user'))).toBe('EBUSY');
    alice.close(fd);
    expect(errnoOf(() => m.rmmod('doe_user'))).toBe('ok');
    expect(m.buses.class('doe')).toBeUndefined();
  });

  it('should give a rebound mailbox a fresh node that opens again', () => {
    const m = handOver();
    const root = m.processes.root;
    const alice = spawn(m, 'alice');
    const stale = alice.open(NODE, 'rw');
    root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE1);
    root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
    const fresh = spawn(m, 'bob').open(NODE, 'rw');
    expect(errnoOf(() => alice.read(stale, 4))).toBe('ENODEV');
    expect(errnoOf(() => m.processes.get('bob').ioctl(fresh, 'DOE_EXCHANGE'))).toBe('ENOTTY');
  });
});

describe('ownership (DESIGN.md §3, "Who is the owner")', () => {
  it('should follow the binding of a DOE mailbox from kernel to none to a process and back', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
    const root = m.processes.root;
    const adev = auxOf(m).findDevice(DOE1)!;
    const services = { pci: pciOf(m), auxiliary: auxOf(m) };
    const cxl = pciOf(m).findDevice(CXL)!;
    expect(ownerOf(adev)).toBe('kernel');
    expect(doeMailboxOwner(services, cxl, 1)).toBe('kernel');
    root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
    expect(ownerOf(adev)).toBe('none');
    root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
    root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
    expect(ownerOf(adev)).toBe('none');
    const alice = spawn(m, 'alice');
    const fd = alice.open(NODE, 'rw');
    expect(doeMailboxOwner(services, cxl, 1)).toEqual({ pid: alice.pid, process: 'alice' });
    expect(doeMailboxOwner(services, cxl, 0)).toBe('kernel');
    alice.close(fd);
    expect(ownerOf(adev)).toBe('none');
    expect(ownerOf(cxl)).toBe('kernel');
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    expect(ownerOf(cxl)).toBe('none');
    expect(doeMailboxOwner(services, cxl, 1)).toBe('none');
  });

  it('should make the PCI core the owner of every mailbox under pci-core-shared', () => {
    const m = bootMachine({ presets: ['cxl-type3'], doe: 'pci-core-shared' });
    const cxl = pciOf(m).findDevice(CXL)!;
    expect([0, 1, 2].map((i) => doeMailboxOwner({ pci: pciOf(m), auxiliary: auxOf(m) }, cxl, i))).toEqual(['kernel', 'kernel', 'kernel']);
  });
});
