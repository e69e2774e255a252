/**
 * The split of a userspace config access (pci_read_config/pci_write_config in
 * drivers/pci/pci-sysfs.c): a byte to reach an even offset, a word to reach a dword boundary,
 * dwords, then a word and a byte. `nextAlignedWidth` steps through it without a callback; the
 * reference below is the kernel's sequence written out as its five phases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachAlignedAccess } from '../../src/pci/index.js';

/** The kernel's phases, in order: [offset, width] of every access. */
function kernelSplit(offset: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  let off = offset;
  let left = size;
  if (off & 1 && left > 0) {
    out.push([off, 1]);
    off += 1;
    left -= 1;
  }
  if (off & 3 && left > 2) {
    out.push([off, 2]);
    off += 2;
    left -= 2;
  }
  while (left > 3) {
    out.push([off, 4]);
    off += 4;
    left -= 4;
  }
  if (left >= 2) {
    out.push([off, 2]);
    off += 2;
    left -= 2;
  }
  if (left > 0) out.push([off, 1]);
  return out;
}

function split(offset: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  forEachAlignedAccess(offset, size, (off, width) => void out.push([off, width]));
  return out;
}

describe('the aligned split of a config access', () => {
  it.each([
    [0x10c, 4, [[0x10c, 4]]],
    [
      0x101,
      7,
      [
        [0x101, 1],
        [0x102, 2],
        [0x104, 4],
      ],
    ],
    [
      0x103,
      4,
      [
        [0x103, 1],
        [0x104, 2],
        [0x106, 1],
      ],
    ],
    [0x102, 2, [[0x102, 2]]],
    [0x100, 0, []],
  ] as const)('splits %i+%i as the kernel does', (offset, size, expected) => {
    expect(split(offset, size)).toEqual(expected);
  });

  it('matches the kernel phases for any offset and size, covering the range once (property)', () => {
    fc.assert(
      fc.property(fc.nat(0x1000), fc.nat(64), (offset, size) => {
        const got = split(offset, size);
        expect(got).toEqual(kernelSplit(offset, size));
        let at = offset;
        for (const [off, width] of got) {
          expect(off).toBe(at);
          expect(off % width).toBe(0);
          at += width;
        }
        expect(at).toBe(offset + size);
      }),
    );
  });
});
