/**
 * The playground's explorer replay (playground/src/race.ts): one frame per timeline entry, the
 * race shows under pci-core-shared on the shortest schedule and never under aux-exclusive, and
 * bad input is a message, not a stack.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { raceFrame, racing, replaySchedule } from '../../playground/src/race.js';

const shared = readFileSync('examples/explore/doe-pci-core-shared.yaml', 'utf8');
const exclusive = readFileSync('examples/explore/doe-aux-exclusive.yaml', 'utf8');

describe('playground: explorer replay', () => {
  it('shows the pci-core-shared race on schedule 1.1: userspace writes mailbox 0 while the kernel reads the CDAT', () => {
    const r = replaySchedule(shared, '1.1');
    expect(r.schedule).toBe('1.1');
    expect(r.violation?.invariant).toBe('kernel-doe-vs-userspace');
    expect(r.mailbox).toEqual({ config: '0000:0d:00.0', index: 0 });
    const i = raceFrame(r);
    expect(i).toBeGreaterThan(0);
    // The race begins with lane 1's exchange, whose register writes the kernel log shows.
    expect(r.frames[i]!.entry.actor).toBe('lane 1 (root)');
    expect(r.frames[i]!.kmsg.some((l) => /write to DOE mailbox at config offset \w+ from userspace/.test(l))).toBe(true);
    // Before the rebind the function is bound; right after the unbind it is not.
    const unbind = r.frames.findIndex((f) => f.entry.what.includes('cxl_pci/unbind'));
    const pf = (k: number) =>
      r.frames[k]!.tree.flatMap(function walk(n): (typeof n)[] {
        return [n, ...n.children.flatMap(walk)];
      }).find((n) => n.name === '0000:0d:00.0');
    expect(pf(unbind)?.driver).toBeNull();
    expect(pf(unbind + 1)?.driver).toBe('cxl_pci');
  });

  it('never shows it under aux-exclusive on the same schedule (the raw exchange is refused)', () => {
    const r = replaySchedule(exclusive, '1.1');
    expect(r.violation).toBeUndefined();
    expect(r.frames.some((_, i) => racing(r, i))).toBe(false);
    expect(r.frames.some((f) => f.entry.what.includes('EPERM'))).toBe(true);
  });

  it('rejects a malformed schedule and a scenario without a concurrent block with a message', () => {
    expect(() => replaySchedule(shared, '1.x')).toThrow(/bad schedule "1\.x"/);
    expect(() => replaySchedule('name: x\nmachine: { presets: [cxl-type3] }\nsteps:\n  - boot: {}\n', '-')).toThrow(/no concurrent: block/);
  });
});
