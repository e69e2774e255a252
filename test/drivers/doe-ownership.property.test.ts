/**
 * Ownership invariant of DESIGN.md §3 under `aux-exclusive`, as a property: whatever the
 * interleaving of kernel and userspace operations (unbinding and rebinding pci_doe, handing the
 * mailbox to doe_user and back, opening, exchanging, closing, raw config exchanges, cxl_pci
 * rebinding, doe_user unloading, virtual time passing), no DOE mailbox is ever held by two
 * parties: the kernel (pci_doe bound), a process (a live /dev/doe file), or raw config access
 * (possible only while nobody claims the range). Every failure is a DriverModelError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuxiliaryBus, IAuxiliaryBus } from '../../src/aux/index.js';
import { DriverModelError } from '../../src/base/index.js';
import { DoeUserDevice, doeMailboxOf } from '../../src/drivers/index.js';
import type { Machine } from '../../src/machine/index.js';
import { PCI_DOE_CAP_SIZEOF, type PciDevice } from '../../src/pci/index.js';
import { doeEncodeObject, doeProtocols, dwordsToBytes } from '../../src/protocols/index.js';
import { DevDoeTransport, type Process, RawConfigDoeTransport } from '../../src/userspace/index.js';
import { CXL, bootMachine } from '../support/pci-machine.js';

const DOE1 = 'cxl_pci.doe.1';
const NODE = `/dev/doe/${DOE1}`;
const request = dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, new Uint8Array([0, 1, 0, 0])));

type Op =
  | { op: 'unbind-kernel' }
  | { op: 'to-user' }
  | { op: 'to-kernel' }
  | { op: 'unbind-user' }
  | { op: 'open'; who: 0 | 1 }
  | { op: 'close'; who: 0 | 1 }
  | { op: 'write'; who: 0 | 1 }
  | { op: 'read'; who: 0 | 1 }
  | { op: 'exchange'; who: 0 | 1 }
  | { op: 'raw'; mailbox: 0 | 1 | 2 }
  | { op: 'advance'; ms: number }
  | { op: 'rebind-cxl' }
  | { op: 'rmmod-doe-user' }
  | { op: 'modprobe-doe-user' };

const who = fc.constantFrom<0 | 1>(0, 1);
const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: 'unbind-kernel' as const }),
  fc.constant({ op: 'to-user' as const }),
  fc.constant({ op: 'to-kernel' as const }),
  fc.constant({ op: 'unbind-user' as const }),
  who.map((w) => ({ op: 'open' as const, who: w })),
  who.map((w) => ({ op: 'close' as const, who: w })),
  who.map((w) => ({ op: 'write' as const, who: w })),
  who.map((w) => ({ op: 'read' as const, who: w })),
  who.map((w) => ({ op: 'exchange' as const, who: w })),
  fc.constantFrom<0 | 1 | 2>(0, 1, 2).map((mailbox) => ({ op: 'raw' as const, mailbox })),
  fc.integer({ min: 1, max: 40 }).map((ms) => ({ op: 'advance' as const, ms })),
  fc.constant({ op: 'rebind-cxl' as const }),
  fc.constant({ op: 'rmmod-doe-user' as const }),
  fc.constant({ op: 'modprobe-doe-user' as const }),
);

/** The parties holding DOE mailbox `index` right now. */
function holders(m: Machine, index: number): string[] {
  const out: string[] = [];
  const pdev = m.findDevice(CXL) as PciDevice;
  const cap = pdev.doeMailboxes[index]!.offset;
  const claims = pdev.exclusiveConfig.filter((c) => c.offset < cap + PCI_DOE_CAP_SIZEOF && cap < c.offset + c.size);
  expect(claims.length).toBeLessThanOrEqual(1);
  const adev = m.get<AuxiliaryBus>(IAuxiliaryBus).bus.devices.find((d) => doeMailboxOf(d)?.index === index);
  if (adev?.driver?.name === 'pci_doe.doe') {
    out.push('kernel');
    expect(claims.map((c) => c.owner)).toEqual([adev.name]);
  }
  if (adev?.driverData instanceof DoeUserDevice && adev.driverData.holder) {
    out.push(`process ${adev.driverData.holder.owner}`);
    expect(claims.map((c) => c.owner)).toEqual([adev.name]);
  }
  if (claims.length === 0 && m.lockdown.level === 'none') out.push('raw config');
  return out;
}

function run(seq: readonly Op[]): void {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
  const root = m.processes.root;
  const procs: Process[] = [0, 1].map((i) => m.processes.spawn(`p${i}`, { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] }));
  const fds: (number | undefined)[] = [undefined, undefined];
  const sleeper = { sleep: (ms: number) => void m.advance(ms) };
  const check = () => {
    for (const i of [0, 1, 2]) expect(holders(m, i).length, `mailbox ${i}: ${holders(m, i).join(', ')}`).toBeLessThanOrEqual(1);
  };
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
    }
  };
  check();
  for (const o of seq) {
    attempt(() => {
      switch (o.op) {
        case 'unbind-kernel':
          return void root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
        case 'to-user':
          root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
          return void root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
        case 'to-kernel':
          root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, '\n');
          return void root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
        case 'unbind-user':
          return void root.writeFile('/sys/bus/auxiliary/drivers/doe_user.doe/unbind', DOE1);
        case 'open':
          if (fds[o.who] === undefined) fds[o.who] = procs[o.who]!.open(NODE, 'rw');
          return;
        case 'close': {
          const fd = fds[o.who];
          fds[o.who] = undefined;
          if (fd !== undefined) procs[o.who]!.close(fd);
          return;
        }
        case 'write':
          if (fds[o.who] !== undefined) procs[o.who]!.write(fds[o.who]!, request);
          return;
        case 'read':
          if (fds[o.who] !== undefined) procs[o.who]!.read(fds[o.who]!, 4096);
          return;
        case 'exchange':
          if (fds[o.who] !== undefined) new DevDoeTransport(procs[o.who]!, fds[o.who]!, sleeper).exchange(request);
          return;
        case 'raw': {
          const t = new RawConfigDoeTransport(procs[0]!, CXL, o.mailbox, sleeper);
          try {
            t.exchange(request);
          } finally {
            t.close();
          }
          return;
        }
        case 'advance':
          return void m.advance(o.ms);
        case 'rebind-cxl':
          root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
          return void root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', CXL);
        case 'rmmod-doe-user':
          return m.rmmod('doe_user');
        case 'modprobe-doe-user':
          return m.modprobe('doe_user');
      }
    });
    m.settle();
    check();
  }
  m.advance(3000);
  check();
}

describe('DOE mailbox ownership under random interleavings (aux-exclusive)', () => {
  it('should never leave a mailbox held by two parties, and fail only with errno errors', () => {
    fc.assert(
      fc.property(fc.array(ops, { minLength: 1, maxLength: 12 }), (seq) => run(seq)),
      { numRuns: 25, seed: 0x0d0e },
    );
  });

  it('should hold on the canonical hand-off and back', () => {
    run([
      { op: 'unbind-kernel' },
      { op: 'raw', mailbox: 1 },
      { op: 'to-user' },
      { op: 'open', who: 0 },
      { op: 'open', who: 1 },
      { op: 'write', who: 0 },
      { op: 'raw', mailbox: 1 },
      { op: 'unbind-user' },
      { op: 'read', who: 0 },
      { op: 'close', who: 0 },
      { op: 'to-kernel' },
    ]);
  });
});
