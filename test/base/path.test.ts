import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainAbsolute, normalizeAbsolute } from '../../src/base/index.js';

describe('normalizeAbsolute', () => {
  it.each([
    ['/sys//bus/./pci/', '/sys/bus/pci'],
    ['/dev/doe/../char/254:0', '/dev/char/254:0'],
    ['/../..', '/'],
    ['/', '/'],
    ['dev/x', '/dev/x'],
  ])('should turn %s into %s', (input, out) => {
    expect(normalizeAbsolute(input)).toBe(out);
  });
});

/**
 * The component-array normalisation, without the plain-path shortcut: the reference the property
 * below compares normalizeAbsolute() with, so it repeats src/base/path.ts on purpose.
 */
function normalizeByComponents(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

describe('isPlainAbsolute', () => {
  const pathArb = fc.array(fc.constantFrom('', '.', '..', 'a', '.a', '..b', 'sys', 'x.'), { maxLength: 6 }).map((c) => c.join('/'));
  it('holds exactly for the paths normalisation leaves unchanged, and normalizeAbsolute answers as the component version (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          pathArb,
          pathArb.map((p) => `/${p}`),
        ),
        (p) => {
          const byComponents = normalizeByComponents(p);
          expect(isPlainAbsolute(p)).toBe(byComponents === p && p !== '/');
          expect(normalizeAbsolute(p)).toBe(byComponents);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
