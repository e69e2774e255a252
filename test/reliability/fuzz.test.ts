/**
 * Fuzzers of the reliability campaign (docs/reliability.md) for the inputs users hand auxbus:
 * scenario files, device descriptions, fwctl ioctl structures as a process passes them, and DOE
 * data objects (the object codec, Discovery, CDAT table access, compliance requests, and the
 * mailbox responders of the device models). The rules parser and SPDM messages have their own
 * fuzzers (test/udev/rules-fuzz.test.ts, test/protocols/spdm/fuzz.test.ts). Each accepts only the
 * errno error class or a positioned `file:line:col: message` diagnostic; anything else is a crash.
 * FUZZ_RUNS sets the inputs per target (npm run test:stress: 100,000).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import { machineScenarioHost } from '../../src/machine/index.js';
import {
  FWCTL_INFO,
  FWCTL_RPC,
  decodeCdatStructure,
  decodeComplianceRequest,
  decodeDiscoveryRequest,
  decodeFwctlInfo,
  decodeFwctlRpc,
  decodeTableAccessRequest,
  doeDecodeObject,
  parseCdatTable,
} from '../../src/protocols/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { loadDeviceDesc } from '../../src/udev/index.js';
import { bootMachine } from '../support/pci-machine.js';
import { fuzzParams } from '../support/budget.js';

/** Runs `f`; true when it returned or threw the errno error class. */
function onlyErrno(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    if (DriverModelError.is(e)) return true;
    throw e;
  }
  return true;
}

/** Random edits of a valid seed: at a position, delete up to 3 characters and insert one of `alphabet` or a random string. */
function mutated(seeds: readonly string[], alphabet: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat(3), fc.boolean(), fc.constantFrom(...alphabet), fc.string({ maxLength: 8 }));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 6 })).map(([seed, edits]) => {
    let s = seed;
    for (const [at, del, single, ch, ins] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      s = s.slice(0, i) + (single ? ch : ins) + s.slice(i + del);
    }
    return s;
  });
}

const SCENARIOS = [
  `name: s\nmachine: { presets: [cxl-type3], modules: [cxl_pci], doe: aux-exclusive }\nprocesses:\n  tool: { uid: 1000, groups: [plugdev] }\nsteps:\n  - boot: {}\n  - write: { path: /sys/bus/auxiliary/drivers/pci_doe.doe/unbind, value: cxl_pci.doe.1 }\n    expect: ok\n  - open: { as: tool, path: /dev/doe/cxl_pci.doe.1, mode: rw, fd: f }\n    expect: { errno: EACCES }\n  - check: { bound: { "0000:0d:00.0": cxl_pci }, owner: { cxl_pci.doe.1: none } }\n`,
  `name: t\nmachine:\n  presets: [mlx5-nic]\n  rules:\n    - name: 70-x.rules\n      text: |\n        SUBSYSTEM=="net", NAME="lan0"\nsteps:\n  - boot: {}\n  - trigger: { action: change, subsystem: net }\n  - check:\n      uevents_include: [change /devices/pci0000:00/0000:00:02.0/0000:03:00.0]\n      property: { lan0: { ID_NET_NAME: lan0 } }\n`,
];
const DESCS = [
  'P: /devices/pci0000:00/0000:00:01.0\nE: SUBSYSTEM=pci\nE: DRIVER=pcieport\nA: vendor=0x8086\nL: subsystem=../../../bus/pci\nP: /devices/virtual/net/lo\nE: INTERFACE=lo\nE: IFINDEX=1\nH: x=00ff\nN: ID_FS_TYPE=ext4\n',
  'P: /devices/platform/serial8250/tty/ttyS0\nE: MAJOR=4\nE: MINOR=64\nE: DEVNAME=ttyS0\nS: kernel.hostname=box\nG: tag\nD: c 4:64\n',
];

describe('fuzz: user-supplied files', () => {
  it('the scenario loader answers any text with a result or positioned diagnostics, never a throw', () => {
    const host = machineScenarioHost();
    fc.assert(
      fc.property(fc.oneof(mutated(SCENARIOS, ':-{}[]"\'\n |#&*!%@`'), fc.string({ maxLength: 200 })), (text) => {
        const r = loadScenario(text, 'fuzz.yaml', host);
        if (!r.ok) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          for (const d of r.diagnostics) {
            expect(d.file).toBe('fuzz.yaml');
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.col).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      fuzzParams(300, 0x5ce0),
    );
  });

  it('device descriptions load or fail with an errno at file:line:col', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(DESCS, 'PEALHNSDGB:=/ \n.0x'), fc.string({ maxLength: 200 })), (text) => {
        try {
          loadDeviceDesc(text, 'fuzz.desc');
        } catch (e) {
          if (!DriverModelError.is(e)) throw e;
          expect(e.message).toMatch(/^fuzz\.desc:\d+:\d+: /);
        }
      }),
      fuzzParams(300, 0xde5c),
    );
  });
});

describe('fuzz: fwctl ioctl structures', () => {
  it('the decoders take any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyErrno(() => decodeFwctlInfo(b)) && onlyErrno(() => decodeFwctlRpc(b))),
      fuzzParams(300, 0xf7c1),
    );
  });

  it('FWCTL_INFO and FWCTL_RPC with any structure in the process memory fail only with an errno', () => {
    const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'fwctl', 'cxl_fwctl'] });
    const proc = m.processes.spawn('fuzz', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] });
    const fd = proc.open('/dev/fwctl/fwctl0', 'rw');
    const buf = proc.mm.map(4096);
    fc.assert(
      fc.property(
        fc.constantFrom(FWCTL_INFO, FWCTL_RPC, FWCTL_INFO + 2, 0),
        fc.uint8Array({ minLength: 0, maxLength: 48 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(47), fc.constantFrom(0, buf, buf + 4095n, 0xdead0000n)), { maxLength: 3 }),
        (cmd, struct, mapped, pointers) => {
          const bytes = new Uint8Array(Math.max(struct.length, 48));
          bytes.set(struct);
          // Plant pointers (to the buffer, past it, nowhere) at random 8-byte-aligned offsets.
          const view = new DataView(bytes.buffer);
          for (const [at, p] of pointers) view.setBigUint64(Math.min(40, at & ~7), BigInt(p), true);
          const addr = mapped ? proc.mm.map(bytes.subarray(0, struct.length || 1)) : 0x1000n;
          try {
            return onlyErrno(() => proc.ioctl(fd, cmd, addr));
          } finally {
            if (mapped) proc.mm.unmap(addr);
          }
        },
      ),
      fuzzParams(300, 0xf7c2),
    );
    proc.close(fd);
    m.dispose();
  });
});

describe('fuzz: DOE data objects', () => {
  it('the object codec, Discovery, CDAT and compliance decoders take any input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 12 }), fc.uint8Array({ maxLength: 96 }), (dwords, bytes) =>
        [
          () => doeDecodeObject(dwords),
          () => decodeDiscoveryRequest(bytes),
          () => decodeTableAccessRequest(bytes),
          () => decodeComplianceRequest(bytes),
          () => decodeCdatStructure(bytes),
          () => parseCdatTable(bytes),
        ].every(onlyErrno),
      ),
      fuzzParams(300, 0xd0e0),
    );
  });
});

describe('fuzz findings', () => {
  it('a description whose paths collide fails at the line that asked for the path', () => {
    const text = 'P: /devices/a\nL: sub../../x=../b\nP: /devices/a/sub../../x/y\n';
    expect(() => loadDeviceDesc(text, 'f.desc')).toThrow(/^f\.desc:3:1: .*not a directory/);
  });
});
