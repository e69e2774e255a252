/**
 * Heap per device (issue #12, ≤ 4 KiB): what a machine keeps for its whole life is counted
 * structurally, not in bytes measured by a collector — objects reachable from each logged
 * event, configuration-space pages each PCI function owns. A regression to one array per
 * variable (the pairs form) multiplies the event count by the number of variables, and dense
 * configuration space (four 4 KiB arrays per function) owns 64 pages; both fail here.
 */
import { describe, expect, it } from 'vitest';
import { ueventVar } from '../../src/bus/index.js';
import { SimulatedPciFunction } from '../../src/drivers/index.js';
import { machineUdev } from '../../src/machine/index.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import { bootMachine } from '../support/pci-machine.js';
import { scaleMachine } from '../support/scale-machine.js';

/** Objects (arrays included; strings and numbers are not objects) reachable from `roots` through own properties and elements, each counted once. */
function reachableObjects(roots: readonly unknown[]): number {
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
  }
  return seen.size;
}

describe('event logs kept for the machine’s life', () => {
  const m = bootMachine({ autoload: true });
  const log = m.uevent.log;
  const processed = machineUdev(m).daemon.processed;

  it('should keep each kernel uevent as one object and one flat array of strings', () => {
    expect(log.length).toBeGreaterThan(20);
    expect(reachableObjects(log)).toBeLessThanOrEqual(2 * log.length);
    for (const ev of log) {
      expect(ev.vars.every((s) => typeof s === 'string')).toBe(true);
      // The pairs handed out are the flat list decoded, in order.
      expect(ev.env.flat()).toEqual(ev.vars);
      expect(ueventVar(ev, 'SEQNUM')).toBe(String(ev.seqnum));
    }
  });

  it('should keep each processed event as one object, one flat message and at most one RUN list', () => {
    expect(processed.length).toBeGreaterThan(20);
    expect(reachableObjects(processed)).toBeLessThanOrEqual(3 * processed.length);
    for (const p of processed) {
      expect(p.properties.flat()).toEqual(p.message);
      expect(p.properties[0]).toEqual(['UDEV_DATABASE_VERSION', '1']);
    }
  });

  it('should decode to the same JSON as the plain form', () => {
    const ev = log.at(-1)!;
    expect(JSON.parse(JSON.stringify(ev))).toEqual({
      seqnum: ev.seqnum,
      action: ev.action,
      devpath: ev.devpath,
      subsystem: ev.subsystem,
      env: ev.env,
    });
    const p = processed.at(-1)!;
    expect(JSON.parse(JSON.stringify(p))).toMatchObject({ seqnum: p.seqnum, properties: p.properties });
  });
});

describe('configuration space of a booted fleet', () => {
  it('should leave each PCI function owning at most two 256-byte pages, the rest shared', () => {
    const m = scaleMachine(8, { cxlPerNic: 3 });
    m.boot();
    const functions = m.get<PciCore>(IPciCore).devices;
    const kinds = new Set<string>();
    let owned = 0;
    for (const pdev of functions) {
      expect(pdev.hw).toBeInstanceOf(SimulatedPciFunction);
      const counts = (pdev.hw as SimulatedPciFunction).config.pageCounts;
      expect(counts.owned).toBeLessThanOrEqual(2);
      owned += counts.owned;
      kinds.add(pdev.hw.constructor.name);
    }
    // Endpoints, root ports and switch ports of both presets were counted.
    expect(functions.length).toBeGreaterThanOrEqual(12);
    expect(kinds.size).toBeGreaterThanOrEqual(2);
    expect(owned).toBeLessThanOrEqual(1.5 * functions.length);
  });
});
