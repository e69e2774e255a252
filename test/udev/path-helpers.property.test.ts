/**
 * path_simplify() (sysfs-access.ts): `.` components, duplicate and trailing slashes dropped, `..`
 * kept — for every path, including those its fast path (already simple absolute paths) returns
 * unchanged; and the relative symlink target from a directory to a path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relativePath, simplifyPath } from '../../src/udev/sources/sysfs-access.js';

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

describe('relativePath', () => {
  it('climbs out of the directory to the common prefix, then down to the path', () => {
    const component = fc.constantFrom('dev', 'char', 'fwctl', 'fwctl0', '240:0');
    const path = fc.array(component, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(path, path, (from, to) => {
        const a = from.split('/').filter((x) => x.length > 0);
        const b = to.split('/').filter((x) => x.length > 0);
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        const expected = [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
        expect(relativePath(from, to)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['/dev/char', '/dev/fwctl/fwctl0', '../fwctl/fwctl0'],
    ['/dev', '/dev/mem0', 'mem0'],
    ['/dev/char', '/dev/char', '.'],
  ])('%s → %s: %s', (from, to, expected) => {
    expect(relativePath(from, to)).toBe(expected);
  });
});
