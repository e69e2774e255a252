/**
 * path_simplify() (sysfs-access.ts): `.` components, duplicate and trailing slashes dropped, `..`
 * kept — for every path, including those its fast path (already simple absolute paths) returns
 * unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simplifyPath } from '../../src/udev/sources/sysfs-access.js';

/** The definition: the non-empty, non-`.` components joined, absolute if the path was. */
function simplified(p: string): string {
  if (p.length === 0) return p;
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (p.startsWith('/')) return `/${parts.join('/')}`;
  return parts.length > 0 ? parts.join('/') : '.';
}

describe('simplifyPath', () => {
  it('drops `.`, empty components and trailing slashes, keeps `..`', () => {
    const component = fc.constantFrom('', '.', '..', 'dev', 'char', '240:0', '.hidden', '..x');
    const path = fc.tuple(fc.boolean(), fc.array(component, { maxLength: 6 })).map(([abs, parts]) => `${abs ? '/' : ''}${parts.join('/')}`);
    fc.assert(
      fc.property(path, (p) => {
        expect(simplifyPath(p)).toBe(simplified(p));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['/dev/char/240:0', '/dev/char/240:0'],
    ['/dev//char/./240:0/', '/dev/char/240:0'],
    ['/dev/../char', '/dev/../char'],
    ['/', '/'],
    ['./', '.'],
  ])('%s → %s', (p, expected) => {
    expect(simplifyPath(p)).toBe(expected);
  });
});
