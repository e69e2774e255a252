/**
 * The DOE hand-off (DESIGN.md §3; issue #7 "The hand-off"), every bullet under both policies,
 * with real exchanges: the kernel's (pci_doe, the PCI core, cxl's CDAT read), a holder's
 * through /dev/doe, and raw ones through the `config` file.
 */
import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { DriverModelError } from '../../src/base/index.js';
import type { Machine } from '../../src/machine/index.js';
import { DOE_IOC, IPciCoreDoe, cxlCdatOf, doeMailboxOwner, ownerOf, pciCmaResultOf, pciDoeBindingOf } from '../../src/drivers/index.js';
import { IPciCore, type PciDevice } from '../../src/pci/index.js';
import { doeEncodeObject, doeProtocols, dwordsToBytes, parseCdatTable } from '../../src/protocols/index.js';
import { DevDoeTransport, DoeClient, type Process, RawConfigDoeTransport, parseResponseObject } from '../../src/userspace/index.js';
import { CXL, bootMachine, errnoOf } from '../support/pci-machine.js';

const DOE1 = 'cxl_pci.doe.1';
const NODE = '/dev/doe/cxl_pci.doe.1';
const COMPLIANCE_CAPABILITY = new Uint8Array([0, 1, 0, 0]);
const capabilityObject = () => dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY));

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);
const pdevOf = (m: Machine) => m.findDevice(CXL) as PciDevice;
const sleeper = (m: Machine) => ({ sleep: (ms: number) => void m.advance(ms) });
const spawn = (m: Machine, name: string, caps: 'all' | 'none' = 'all') =>
  m.processes.spawn(name, { uid: 0, gid: 0, caps: caps === 'all' ? ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] : [] });
const raw = (m: Machine, p: Process, mailbox: number) => new DoeClient(new RawConfigDoeTransport(p, CXL, mailbox, sleeper(m)));

function boot(options: Parameters<typeof bootMachine>[0] = {}): Machine {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'], ...options });
  m.advance(100); // the kernel's DOE work: Abort, Discovery, CDAT
  return m;
}

function handOver(m: Machine): void {
  const root = m.processes.root;
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
  root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
  m.advance(50);
}

describe('aux-exclusive: the kernel side', () => {
  it('should bind pci_doe.doe to one auxiliary device per DOE capability and cache each Discovery table', () => {
    const m = boot();
    const features = [0, 1, 2].map((i) => pciDoeBindingOf(auxOf(m).findDevice(`cxl_pci.doe.${i}`)!)!.mb.features);
    expect(features).toEqual([
      [doeProtocols.DISCOVERY, doeProtocols.CXL_TABLE_ACCESS],
      [doeProtocols.DISCOVERY, doeProtocols.CXL_COMPLIANCE],
      [doeProtocols.DISCOVERY, doeProtocols.CMA_SPDM, doeProtocols.SECURED_CMA_SPDM],
    ]);
  });

  it('should read the CDAT through mailbox 0 after binding: a whole table with a valid checksum', () => {
    const m = boot();
    const cdat = cxlCdatOf(pdevOf(m));
    expect(cdat?.ok).toBe(true);
    if (!cdat?.ok) return;
    expect(cdat.checksumOk).toBe(true);
    const parsed = parseCdatTable(cdat.table);
    expect(parsed.header.length).toBe(cdat.table.length);
    expect(parsed.structures.length).toBeGreaterThan(0);
  });

  it('should authenticate the device through the CMA/SPDM mailbox when pci_doe binds it (kernel requester)', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    expect(pciCmaResultOf(pdevOf(m))).toBeUndefined(); // it takes virtual time
    m.advance(1000);
    expect(pciCmaResultOf(pdevOf(m))).toEqual({ authenticated: true });
    expect(pciDoeBindingOf(auxOf(m).findDevice('cxl_pci.doe.2')!)!.cma).toEqual({ authenticated: true });
    expect(m.log.records.map((r) => r.message)).toContain('pci_doe.doe cxl_pci.doe.2: authenticated');
  });

  it('should claim each bound capability exclusive and release exactly the unbound one', () => {
    const m = boot();
    const claims = () => pdevOf(m).exclusiveConfig.map((c) => [c.offset, c.size, c.owner]);
    expect(claims()).toEqual([
      [0x190, 0x18, 'cxl_pci.doe.0'],
      [0x1a8, 0x18, 'cxl_pci.doe.1'],
      [0x1c0, 0x18, 'cxl_pci.doe.2'],
    ]);
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
    expect(claims()).toEqual([
      [0x190, 0x18, 'cxl_pci.doe.0'],
      [0x1c0, 0x18, 'cxl_pci.doe.2'],
    ]);
  });
});

describe('aux-exclusive: unbinding mid-exchange', () => {
  it('should leave no register access by the old kernel mailbox after unbind returns', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe'] });
    m.advance(10); // Discovery done on mailbox 0; the CDAT read is in flight
    const pdev = pdevOf(m);
    const writes: [number, number][] = [];
    const configWrite = pdev.configWrite.bind(pdev);
    pdev.configWrite = (off, width, v) => {
      if (off >= 0x190 && off < 0x190 + 0x18) writes.push([off, v]); // mailbox 0 only; its siblings keep working
      configWrite(off, width, v);
    };
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', 'cxl_pci.doe.0');
    // The in-flight task's Abort happened inside the unbind (destroy flushes the work).
    expect(writes).toEqual([[0x190 + 0x08, 0x1]]);
    m.advance(3000);
    expect(writes).toHaveLength(1);
    expect(m.log.records.map((r) => r.message)).toContain('pci 0000:0d:00.0: [190] Abort failed marking mailbox dead');
  });
});

describe('aux-exclusive: raw config access', () => {
  it('should refuse a raw exchange with EPERM while pci_doe.doe is bound, without touching a register', () => {
    const m = boot();
    const tool = spawn(m, 'tool');
    expect(errnoOf(() => raw(m, tool, 1).exchange(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY))).toBe('EPERM');
    expect(m.taint.letters).toBe('');
  });

  it('should let a raw exchange through once that one device is unbound, siblings staying bound and claimed', () => {
    const m = boot();
    const tool = spawn(m, 'tool');
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
    const rsp = raw(m, tool, 1).exchange(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY);
    expect([...rsp.subarray(0, 4)]).toEqual([0, 1, 28, 0]); // Capability, version 1, 28 bytes, status 0
    expect(raw(m, tool, 1).discover()).toEqual([doeProtocols.DISCOVERY, doeProtocols.CXL_COMPLIANCE]);
    expect(m.taint.letters).toBe('');
    expect(errnoOf(() => raw(m, tool, 0).discover())).toBe('EPERM');
    expect(errnoOf(() => raw(m, tool, 2).discover())).toBe('EPERM');
    expect(auxOf(m).findDevice('cxl_pci.doe.0')!.driver?.name).toBe('pci_doe.doe');
  });

  it.each(['integrity', 'confidentiality'] as const)('should refuse raw access to an unclaimed mailbox under lockdown %s', (lockdown) => {
    const m = boot({ lockdown });
    m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
    expect(errnoOf(() => raw(m, spawn(m, 'tool'), 1).discover())).toBe('EPERM');
  });
});

describe('aux-exclusive: doe_user and /dev/doe', () => {
  it('should exchange through write(2)/read(2), EAGAIN while the device works, the response object once', () => {
    const m = boot();
    handOver(m);
    const tool = spawn(m, 'tool', 'none');
    const fd = tool.open(NODE, 'rw');
    expect(tool.write(fd, capabilityObject())).toBe(12);
    expect(errnoOf(() => tool.read(fd, 4096))).toBe('EAGAIN'); // the device answers in virtual time
    // Each poll's EAGAIN is expected: it carries no JavaScript stack (kerrExpected).
    let poll: unknown;
    try {
      tool.read(fd, 4096);
    } catch (e) {
      poll = e;
    }
    expect(poll).toBeInstanceOf(DriverModelError);
    expect((poll as DriverModelError).errno).toBe('EAGAIN');
    expect((poll as DriverModelError).stack).not.toMatch(/\n\s+at /);
    expect(errnoOf(() => tool.write(fd, capabilityObject()))).toBe('EBUSY'); // one exchange at a time
    m.advance(50);
    const rsp = parseResponseObject(tool.read(fd, 4096));
    expect(rsp.vendor).toBe(0x1e98);
    expect([...rsp.payload.subarray(0, 4)]).toEqual([0, 1, 28, 0]);
    expect(errnoOf(() => tool.read(fd, 4096))).toBe('EINVAL'); // read once
    tool.close(fd);
  });

  it('should check written objects: whole dwords, Length matching, a listed feature', () => {
    const m = boot();
    handOver(m);
    const tool = spawn(m, 'tool', 'none');
    const fd = tool.open(NODE, 'rw');
    expect(errnoOf(() => tool.write(fd, new Uint8Array(6)))).toBe('EINVAL');
    const bad = capabilityObject();
    bad[4] = 4; // Length 4 dwords, object 3
    expect(errnoOf(() => tool.write(fd, bad))).toBe('EINVAL');
    const cdat = dwordsToBytes(doeEncodeObject(doeProtocols.CXL_TABLE_ACCESS, new Uint8Array(4)));
    expect(errnoOf(() => tool.write(fd, cdat))).toBe('EINVAL');
    tool.close(fd);
  });

  it('should offer the same exchange through ioctls, and the cached features', () => {
    const m = boot();
    handOver(m);
    const tool = spawn(m, 'tool', 'none');
    const fd = tool.open(NODE, 'rw');
    expect(tool.ioctl(fd, DOE_IOC.FEATURES)).toEqual({ features: [doeProtocols.DISCOVERY, doeProtocols.CXL_COMPLIANCE] });
    tool.ioctl(fd, DOE_IOC.SUBMIT, { ...doeProtocols.CXL_COMPLIANCE, payload: new Uint8Array([1, 1, 0, 0]), responseSize: 6 });
    expect(errnoOf(() => tool.ioctl(fd, DOE_IOC.RESULT))).toBe('EAGAIN');
    m.advance(50);
    const r = tool.ioctl(fd, DOE_IOC.RESULT) as { vendor: number; type: number; payload: Uint8Array };
    expect([r.vendor, r.type, r.payload.length]).toEqual([0x1e98, 0, 6]); // truncated to responseSize
    expect(errnoOf(() => tool.ioctl(fd, 'DOE_IOC_NOPE'))).toBe('ENOTTY');
    tool.close(fd);
  });

  it('should work through the userspace DOE client, which sleeps while the kernel works', () => {
    const m = boot();
    handOver(m);
    const tool = spawn(m, 'tool', 'none');
    const fd = tool.open(NODE, 'rw');
    const client = new DoeClient(new DevDoeTransport(tool, fd, sleeper(m)));
    expect(client.discover()).toEqual([doeProtocols.DISCOVERY, doeProtocols.CXL_COMPLIANCE]);
    expect(client.exchange(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY).length).toBe(20);
    tool.close(fd);
  });

  it('should give the mailbox to one opener at a time (EBUSY), and refuse raw access while doe_user holds it', () => {
    const m = boot();
    handOver(m);
    const alice = spawn(m, 'alice', 'none');
    const fd = alice.open(NODE, 'rw');
    expect(errnoOf(() => spawn(m, 'bob', 'none').open(NODE, 'rw'))).toBe('EBUSY');
    expect(errnoOf(() => raw(m, spawn(m, 'tool'), 1).discover())).toBe('EPERM');
    expect(ownerOf(auxOf(m).findDevice(DOE1)!)).toEqual({ pid: alice.pid, process: 'alice' });
    alice.close(fd);
  });

  it('should abort the exchange in flight on close and free the mailbox for the next opener at once', () => {
    const m = boot();
    handOver(m);
    const alice = spawn(m, 'alice', 'none');
    const fd = alice.open(NODE, 'rw');
    alice.write(fd, capabilityObject());
    m.settle(); // the request is in the device (Busy for 5 ms); the kernel sleeps until its first poll
    const pdev = pdevOf(m);
    const writes: [number, number][] = [];
    const configWrite = pdev.configWrite.bind(pdev);
    pdev.configWrite = (off, width, v) => {
      writes.push([off, v]);
      configWrite(off, width, v);
    };
    alice.close(fd);
    m.settle();
    // The sleeping task woke at once and wrote Control = Abort; no response dword was acknowledged.
    expect(writes).toEqual([[0x1a8 + 0x08, 0x1]]);
    m.advance(20);
    const bob = spawn(m, 'bob', 'none');
    const fdBob = bob.open(NODE, 'rw');
    const t0 = m.clock.now();
    const client = new DoeClient(new DevDoeTransport(bob, fdBob, sleeper(m)));
    expect(client.exchange(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY).length).toBe(20);
    expect(m.clock.now() - t0).toBeLessThan(100); // not stuck behind alice's exchange
    bob.close(fdBob);
  });

  it.each([
    ['its driver unbinds', (m: Machine) => m.processes.root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE1)],
    ['the parent function unbinds', (m: Machine) => m.processes.root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL)],
    ['the function is surprise-removed', (m: Machine) => m.unplug(CXL)],
  ])('should fail write, read and every ioctl with ENODEV after %s, mid-exchange, and still close', (_what, takeAway) => {
    const m = boot();
    handOver(m);
    const alice = spawn(m, 'alice', 'none');
    const fd = alice.open(NODE, 'rw');
    alice.write(fd, capabilityObject());
    takeAway(m);
    m.advance(2000);
    expect(errnoOf(() => alice.read(fd, 64))).toBe('ENODEV');
    expect(errnoOf(() => alice.write(fd, capabilityObject()))).toBe('ENODEV');
    for (const op of Object.values(DOE_IOC)) expect(errnoOf(() => alice.ioctl(fd, op))).toBe('ENODEV');
    expect(errnoOf(() => alice.close(fd))).toBe('ok');
  });
});

describe('pci-core-shared', () => {
  const shared = () => boot({ doe: 'pci-core-shared' });

  it('should create no auxiliary DOE device; the PCI core holds one mailbox per capability with its features', () => {
    const m = shared();
    expect(auxOf(m).bus.devices.map((d) => d.name)).toEqual(['cxl_pci.fwctl.0']);
    const mbs = m.get(IPciCoreDoe).mailboxes(pdevOf(m));
    expect(mbs.map((mb) => [mb.capOffset, mb.features.length, mb.dead])).toEqual([
      [0x190, 2, false],
      [0x1a8, 2, false],
      [0x1c0, 3, false],
    ]);
    expect(doeMailboxOwner({ pci: m.get(IPciCore), auxiliary: auxOf(m) }, pdevOf(m), 1)).toBe('kernel');
  });

  it('should let the cxl consumer read the CDAT through the PCI core mailbox, and authenticate at enumeration', () => {
    const m = shared();
    expect(cxlCdatOf(pdevOf(m))?.ok).toBe(true);
    m.advance(1000);
    expect(pciCmaResultOf(pdevOf(m))).toEqual({ authenticated: true });
  });

  it('should let userspace raw exchanges through and taint U', () => {
    const m = shared();
    const rsp = raw(m, spawn(m, 'tool'), 1).exchange(doeProtocols.CXL_COMPLIANCE, COMPLIANCE_CAPABILITY);
    expect(rsp.length).toBe(20);
    expect(m.taint.letters).toBe('U');
  });

  it("should let userspace steal the kernel's response: userspace reads entry 0, the kernel's CDAT read fails with EIO", () => {
    const m = shared();
    const root = m.processes.root;
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL); // read_cdat_data starts: entry 0 in flight
    m.advance(3); // the device has answered the kernel; its next poll is at 7 ms
    const stolen = raw(m, spawn(m, 'tool'), 0).exchange(doeProtocols.CXL_TABLE_ACCESS, new Uint8Array([0, 0, 1, 0]));
    expect([...stolen.subarray(0, 4)]).toEqual([0, 0, 1, 0]); // next handle 1: the answer to entry 0
    m.advance(2000);
    expect(cxlCdatOf(pdevOf(m))).toEqual({ ok: false, errno: 'EIO' });
    expect(m.log.records.map((r) => r.message)).toContain('cxl_pci 0000:0d:00.0: DOE failed: -5');
  });

  it('should make the kernel see a response that was not for it, and fail its task with EIO', () => {
    const m = shared();
    const tool = spawn(m, 'tool');
    const cfg = tool.open(`/sys/bus/pci/devices/${CXL}/config`, 'rw');
    const w = (off: number, v: number) => tool.pwrite(cfg, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]), 0x190 + off);
    // A Discovery request and Go, left unread: the response pends in the CDAT mailbox.
    w(0x10, 0x00000001);
    w(0x10, 3);
    w(0x10, 0);
    w(0x08, 0x80000000);
    m.advance(5);
    const root = m.processes.root;
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
    m.advance(2000);
    expect(cxlCdatOf(pdevOf(m))).toEqual({ ok: false, errno: 'EIO' });
    expect(m.log.records.map((r) => r.message)).toContain('pci 0000:0d:00.0: [190] expected [VID, Feature] = [1e98, 02], got [0001, 00]');
    tool.close(cfg);
  });
});
