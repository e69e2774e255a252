/**
 * The interpreter steps over runs of lines whose first token must fail the same way
 * (src/udev/rules/runs.ts). Counted work (lines and tokens evaluated, never time) shows the
 * runs are stepped over; a property test shows the outcome is the same as evaluating every
 * line — explain mode visits every line, so it is the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, executeRules, rulesWork, UdevDevice, UdevEvent } from '../../../src/udev/index.js';
import { eth0AddUevent, quietExplain, rulesContext } from '../../support/rules-harness.js';

const desc = `
P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0
E: INTERFACE=eth0
E: IFINDEX=4
E: SUBSYSTEM=net
A: address=b8:ce:f6:01:02:03\\n
A: type=1\\n

P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0
E: DRIVER=mlx5_core
E: SUBSYSTEM=pci
A: vendor=0x15b3\\n

P: /devices/pci0000:00/0000:00:02.0
E: SUBSYSTEM=pci

P: /devices/pci0000:00
`;

const uevent = eth0AddUevent();

/** Run `text` on eth0's add event; the resulting properties, tags and the work counted. */
function run(text: string, explain = false) {
  const ctx = rulesContext(desc);
  const rules = compileRules([{ name: '50-t.rules', text }]);
  const dev = UdevDevice.fromUevent(ctx.fs, ctx.db, uevent);
  if (typeof dev === 'string') throw new Error(dev);
  const event = new UdevEvent(ctx, dev);
  const lines0 = rulesWork.lines;
  const tokens0 = rulesWork.tokens;
  const result = executeRules(event, rules, explain ? quietExplain : undefined);
  return {
    result,
    properties: [...dev.allProperties()],
    tags: [...dev.allTags],
    lines: rulesWork.lines - lines0,
    tokens: rulesWork.tokens - tokens0,
  };
}

describe('runs of lines that must fail alike', () => {
  it('steps over 400 ATTR{idVendor} lines when the device has no idVendor', () => {
    const text = Array.from(
      { length: 400 },
      (_, i) => `ATTR{idVendor}=="${(0x1000 + i).toString(16)}", ATTR{idProduct}=="0001", ENV{HIT}="${i}"`,
    ).join('\n');
    const fast = run(`${text}\nENV{AFTER}="1"`);
    expect(fast.properties).toContainEqual(['AFTER', '1']);
    expect(fast.properties.find(([k]) => k === 'HIT')).toBeUndefined();
    // The first line of the run and the line after it.
    expect(fast.lines).toBe(2);
    expect(run(`${text}\nENV{AFTER}="1"`, true).lines).toBe(401);
  });

  it('steps over identical SUBSYSTEM tokens once the first fails, and not over a different one', () => {
    const lines = [...Array.from({ length: 50 }, (_, i) => `SUBSYSTEM=="block", ENV{B${i}}="1"`), 'SUBSYSTEM=="net", ENV{NET}="1"'];
    const fast = run(lines.join('\n'));
    expect(fast.properties).toContainEqual(['NET', '1']);
    expect(fast.lines).toBe(2);
  });

  it('steps over ATTRS and SUBSYSTEMS lines whose first token fails on every ancestor', () => {
    const text = [
      ...Array.from({ length: 30 }, (_, i) => `ATTRS{idVendor}=="${i}", ENV{V${i}}="1"`),
      ...Array.from({ length: 30 }, (_, i) => `SUBSYSTEMS=="usb", ATTRS{idProduct}=="${i}", ENV{P${i}}="1"`),
      'SUBSYSTEMS=="pci", ATTRS{vendor}=="0x8086", ENV{INTEL}="1"',
      'SUBSYSTEMS=="pci", ATTRS{vendor}=="0x15b3", ENV{MELLANOX}="1"',
    ].join('\n');
    const fast = run(text);
    expect(fast.properties).toContainEqual(['MELLANOX', '1']);
    expect(fast.properties.find(([k]) => k === 'INTEL')).toBeUndefined();
    // A line that failed on a later token does not end the run of its first token.
    expect(fast.lines).toBe(4);
  });

  it('steps over ENV{X}== lines while X is absent, but evaluates them once it is set', () => {
    const absent = run(['ENV{X}=="1", ENV{A}="1"', 'ENV{X}=="2", ENV{B}="1"', 'ENV{X}=="3", ENV{C}="1"'].join('\n'));
    expect(absent.lines).toBe(1);
    const present = run(['ENV{X}="2"', 'ENV{X}=="1", ENV{A}="1"', 'ENV{X}=="2", ENV{B}="1"', 'ENV{X}=="3", ENV{C}="1"'].join('\n'));
    expect(present.properties).toContainEqual(['B', '1']);
    expect(present.lines).toBe(4);
    // A pattern that matches the empty string passes on an absent property: it ends the run.
    for (const pattern of ['*', '|1', '?*']) {
      const r = run(`ENV{X}=="1", ENV{A}="1"\nENV{X}!="${pattern}", ENV{B}="0"\nENV{X}=="${pattern}", ENV{B}="1"`);
      expect(r.properties.find(([k]) => k === 'B')?.[1], pattern).toBe(pattern === '?*' ? '0' : '1');
    }
  });

  it('gives the outcome of evaluating every line, for any file of such lines (property)', () => {
    const first = [
      'ENV{X}=="1"',
      'ENV{X}=="2"',
      'ENV{X}!="1"',
      'ENV{X}=="?*"',
      'ENV{X}=="*"',
      'ENV{X}=="|1"',
      'ENV{Y}=="a*"',
      'ATTR{type}=="1"',
      'ATTR{type}!="1"',
      'ATTR{idVendor}=="1"',
      'ATTR{idVendor}!="1"',
      'SUBSYSTEM=="net"',
      'SUBSYSTEM=="block"',
      'KERNEL=="eth*"',
      'ACTION=="remove"',
      'DRIVER=="x"',
      'ATTRS{vendor}=="0x15b3"',
      'ATTRS{vendor}!="0x15b3"',
      'ATTRS{idVendor}=="1"',
      'ATTRS{idVendor}!="1"',
      'SUBSYSTEMS=="usb"',
      'SUBSYSTEMS=="pci"',
      'DRIVERS=="mlx5_core"',
      'KERNELS=="0000:03:00.0"',
    ];
    // Further tokens (sorted by type: KERNEL goes first, ATTR and SUBSYSTEMS after).
    const rest = ['', '', '', ', KERNEL=="eth0"', ', ATTR{type}=="2"', ', SUBSYSTEMS=="pci"', ', ATTRS{vendor}=="0x15b3"'];
    const action = ['ENV{X}="1"', 'ENV{X}=""', 'ENV{Y}="ab"', 'ENV{N}+="%k"', 'TAG+="t"', 'ENV{X}="2"', 'GOTO="end"'];
    // Runs need neighbours that start alike: a group's lines start with one of two tokens.
    const group = fc
      .tuple(
        fc.constantFrom(...first),
        fc.constantFrom(...first),
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...rest), fc.constantFrom(...action)), { minLength: 1, maxLength: 5 }),
      )
      .map(([f, g, ls]) => ls.map(([which, r, a]) => `${which ? f : g}${r}, ${a}`));
    const lines = fc
      .array(fc.oneof(group, group, fc.constant(['LABEL="end"']), fc.constant(['ENV{X}="1"'])), { maxLength: 10 })
      .map((gs) => gs.flat());
    fc.assert(
      fc.property(lines, (ls) => {
        const text = ls.join('\n');
        const fast = run(text);
        const reference = run(text, true);
        expect(fast.result).toBe(reference.result);
        expect(fast.properties).toEqual(reference.properties);
        expect(fast.tags).toEqual(reference.tags);
        expect(fast.lines).toBeLessThanOrEqual(reference.lines);
      }),
      { numRuns: 400 },
    );
  });
});
