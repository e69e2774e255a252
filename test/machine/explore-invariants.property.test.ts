/**
 * checkTaskInvariants (one pass over the devices for every per-device row) reports what the rows
 * of TASK_INVARIANTS report checked one by one, in order — over random machines: processes with
 * open files, a uevent log, devices bound or not, with devres, overrides and driver links.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BrokenInvariant, TASK_INVARIANTS, checkTaskInvariants } from '../../src/machine/index.js';

type Fake = Parameters<typeof checkTaskInvariants>[0];
type Memo = Parameters<typeof checkTaskInvariants>[1];
const memo = (): Memo => ({ bindings: new WeakMap(), ueventsChecked: 0, lastSeqnum: 0 });

const drivers = fc.constantFrom(undefined, 'cxl_pci', 'vfio-pci', 'pci_doe');
const device = fc.record({
  onBus: fc.boolean(),
  driver: drivers,
  override: drivers,
  devres: fc.array(fc.record({ name: fc.constantFrom('irq', 'iomap', 'mem'), grouped: fc.boolean() }), { maxLength: 2 }),
  link: fc.option(fc.boolean(), { nil: undefined }),
});
const machine = fc.record({
  files: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('/dev/doe/x.doe.1', '/dev/vfio/7', '/dev/vfio/vfio', '/dev/null')), {
    maxLength: 4,
  }),
  seqnums: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 6 }),
  devices: fc.array(device, { maxLength: 8 }),
  rebind: fc.array(fc.tuple(fc.nat(7), drivers), { maxLength: 3 }),
});

type Spec = typeof machine extends fc.Arbitrary<infer T> ? T : never;

function build(spec: Spec) {
  const byName = new Map<string, { name: string; openFiles: Map<number, { path: string }> }>();
  spec.files.forEach(([proc, path], i) => {
    const p = byName.get(proc) ?? { name: proc, openFiles: new Map() };
    p.openFiles.set(i + 3, { path });
    byName.set(proc, p);
  });
  const devices = spec.devices.map((d, i) => ({
    displayName: `dev${i}`,
    devpath: `/devices/d${i}`,
    bus: d.onBus ? {} : undefined,
    driver: d.driver === undefined ? null : { name: d.driver },
    p: { devres: d.devres.map((r) => ({ name: r.name, group: r.grouped ? {} : undefined })), driverOverride: d.override },
    link: d.link,
  }));
  const fake = {
    processes: { all: [...byName.values()], values: () => byName.values() },
    uevent: { log: spec.seqnums.map((seqnum, i) => ({ seqnum, action: 'add', devpath: `/devices/e${i}` })) },
    core: { devices },
    // The driver link: as the model says unless the spec disagrees.
    vfs: { exists: (path: string) => devices.some((d) => `/sys${d.devpath}/driver` === path && (d.link ?? d.driver !== null)) },
  };
  return { fake: fake as unknown as Fake, devices };
}

function oneByOne(m: Fake, seen: Memo): BrokenInvariant | undefined {
  for (const inv of TASK_INVARIANTS) {
    const message = inv.check(m, seen);
    if (message !== undefined) return { name: inv.name, message };
  }
  return undefined;
}

describe('checkTaskInvariants', () => {
  it('should report what the rows report one by one, check after check', () => {
    let broken = 0;
    fc.assert(
      fc.property(machine, (spec) => {
        const { fake, devices } = build(spec);
        const a = memo();
        const b = memo();
        const first = checkTaskInvariants(fake, a);
        expect(first).toEqual(oneByOne(fake, b));
        if (first) {
          broken++;
          return;
        }
        // The run goes on: bindings change, and the memos (the same so far) see only the changes.
        for (const [i, driver] of spec.rebind) {
          const d = devices[i % Math.max(1, devices.length)];
          if (d) d.driver = driver === undefined ? null : { name: driver };
        }
        expect(checkTaskInvariants(fake, a)).toEqual(oneByOne(fake, b));
      }),
      { numRuns: 500 },
    );
    // The property met broken machines, not only sound ones.
    expect(broken).toBeGreaterThan(50);
  });
});
