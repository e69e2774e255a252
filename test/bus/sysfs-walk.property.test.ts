/**
 * A path walk below /sys/devices answers the same through the plain-path shortcut (the longest
 * device prefix read off the string) as through the general walk: the test asks for the same
 * place spelled with `/./` or `//` (which the shortcut leaves to the general walk), for
 * entries that exist, for names that do not, and below files.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/machine/index.js';

describe('sysfs path walk: plain-path shortcut against the general walk', () => {
  const m = createMachine({ presets: { 'cxl-type3': 2, 'mlx5-nic': 1 } });
  m.boot();
  // Every entry below /sys/devices, a few levels deep (directories are walked, links not followed).
  const paths: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const name of m.sysfs.lookup(dir).kind === 'dir' ? (m.sysfs.lookup(dir) as { entries(): string[] }).entries() : []) {
      const p = `${dir}/${name}`;
      paths.push(p);
      const node = m.sysfs.tryLookup(p, true);
      if (node?.kind === 'dir' && depth < 9) visit(p, depth + 1);
    }
  };
  visit('/sys/devices', 0);

  const describeNode = (path: string, noFollow: boolean) => {
    const n = m.sysfs.tryLookup(path, noFollow);
    return n === undefined ? undefined : { kind: n.kind, path: n.path };
  };

  it('finds every entry, a missing name and a name below a file alike, spelled plainly or not (property)', () => {
    expect(paths.length).toBeGreaterThan(500);
    fc.assert(
      fc.property(
        fc.nat(paths.length - 1),
        fc.constantFrom('', '/nonexistent', '/uevent', '/power/control'),
        fc.nat(),
        fc.constantFrom('/./', '//'),
        fc.boolean(),
        (i, suffix, cut, spelling, noFollow) => {
          const plain = `${paths[i]!}${suffix}`;
          const slashes = [...plain.matchAll(/\//g)].map((x) => x.index).filter((x) => x > 4);
          const at = slashes[cut % slashes.length]!;
          const other = `${plain.slice(0, at)}${spelling}${plain.slice(at + 1)}`;
          expect(describeNode(plain, noFollow), `${plain} against ${other}`).toEqual(describeNode(other, noFollow));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
