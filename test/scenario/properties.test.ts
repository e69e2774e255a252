/**
 * Properties of the runner over generated scenarios: a file with any invalid step is rejected at
 * that step's line and never builds a machine; a valid file yields exactly one result per step,
 * in order, with increasing lines; hex is accepted in any case and spacing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, normalizeHex, runScenarioText } from '../../src/scenario/index.node.js';
import { fakeHost } from './fake-machine.js';

/** Valid steps, each as YAML lines of a list item (first line starts with "- "). */
const validSteps: readonly string[][] = [
  ['- boot: {}'],
  ['- modprobe: cxl_fwctl'],
  ['- rmmod: cxl_pci', '  expect: { errno: EBUSY }'],
  ['- settle: {}'],
  ['- advance: 10'],
  ['- read: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override', '  expect: { match: "." }'],
  ['- trigger: { action: change }'],
  ['- check: { taint: "" }'],
  ['- hotplug: mlx5-nic', '  settle: false'],
];

/** Invalid steps, and the column (within the step's first line) of the reported position. */
const invalidSteps: readonly { lines: string[]; firstLineOnly: boolean }[] = [
  { lines: ['- reboot: {}'], firstLineOnly: true },
  { lines: ['- boot: {}', '  read: /x'], firstLineOnly: false },
  { lines: ['- rmmod: cxl_pci', '  expect: { errno: EFOO }'], firstLineOnly: false },
  { lines: ['- hotplug: gpu-x'], firstLineOnly: true },
  { lines: ['- advance: later'], firstLineOnly: true },
  { lines: ['- read: /x', '  as: nobody_declared'], firstLineOnly: false },
  { lines: ['- close: never_opened'], firstLineOnly: true },
  { lines: ['- write: /x'], firstLineOnly: true },
  { lines: ['- check: { colour: red }'], firstLineOnly: true },
];

function fileOf(steps: readonly string[][]): { text: string; firstLines: number[] } {
  const lines = ['name: generated', 'steps:'];
  const firstLines: number[] = [];
  for (const step of steps) {
    firstLines.push(lines.length + 1);
    for (const l of step) lines.push(`  ${l}`);
  }
  return { text: `${lines.join('\n')}\n`, firstLines };
}

describe('scenario properties', () => {
  it('a file with an invalid step never runs a step and points into that step', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...validSteps), { maxLength: 8 }), fc.constantFrom(...invalidSteps), fc.nat(), (valid, bad, where) => {
        const at = where % (valid.length + 1);
        const steps = [...valid.slice(0, at), bad.lines, ...valid.slice(at)];
        const { text, firstLines } = fileOf(steps);
        const host = fakeHost();
        const result = runScenarioText(text, 'g.yaml', host);
        expect(result.status).toBe(2);
        expect(result.steps).toEqual([]);
        expect(host.machines).toEqual([]);
        const first = firstLines[at]!;
        const lines = result.diagnostics.map((d) => d.line);
        const last = first + bad.lines.length - 1;
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line).toBeGreaterThanOrEqual(first);
          expect(line).toBeLessThanOrEqual(bad.firstLineOnly ? first : last);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a valid file yields one result per step, numbered in order, at increasing lines', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...validSteps), { maxLength: 12 }), (steps) => {
        const { text, firstLines } = fileOf([['- boot: {}'], ...steps]);
        const host = fakeHost();
        const result = runScenarioText(text, 'g.yaml', host);
        expect(result.status).not.toBe(2);
        expect(result.steps.map((s) => s.step)).toEqual(firstLines.map((_, i) => i + 1));
        expect(result.steps.map((s) => s.line)).toEqual(firstLines);
        expect(host.machines).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });

  it('hex is read in any case with any spacing between digits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.array(fc.boolean()), fc.array(fc.constantFrom('', ' ', '  ', '\n')), (bytes, upper, gaps) => {
        const canonical = bytesToHex(bytes);
        let written = '';
        [...canonical].forEach((ch, i) => {
          written += (upper[i] ? ch.toUpperCase() : ch) + (gaps[i] ?? '');
        });
        expect(normalizeHex(written)).toBe(canonical);
      }),
    );
  });

  it('an odd number of hex digits or a non-hex character is never accepted', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const digits = s.replace(/\s+/g, '');
        const valid = /^[0-9a-fA-F]*$/.test(digits) && digits.length % 2 === 0;
        expect(normalizeHex(s) !== undefined).toBe(valid);
      }),
    );
  });
});
