import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlob, fnmatch, stringIsGlob } from '../../../src/udev/rules/fnmatch.js';

/** [pattern, string, glibc fnmatch(pattern, string, 0) == 0] recorded with glibc 2.36 in the C locale. */
const glibc = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'fnmatch-glibc.json'), 'utf8')) as Array<[string, string, boolean]>;

describe('fnmatch', () => {
  describe('having patterns udev rules use', () => {
    const cases: Array<[string, string, boolean]> = [
      ['mlx5_core.*', 'mlx5_core.eth.0', true],
      ['mlx5_core.???.0', 'mlx5_core.eth.0', true],
      ['mlx5_core.[er]*', 'mlx5_core.eth.0', true],
      ['mlx5_core.[!e]*', 'mlx5_core.eth.0', false],
      ['mlx5_core.eth.[[:digit:]]', 'mlx5_core.eth.0', true],
      ['/devices/*/0000:03:00.0/*', '/devices/pci0000:00/0000:00:02.0/0000:03:00.0/x', true],
      ['mlx5_core\\.eth\\.[0]', 'mlx5_core.eth.0', true],
      ['MLX5_CORE.*', 'mlx5_core.eth.0', false],
      ['*', '.hidden/and/slash', true],
      ['a\\', 'a\\', false],
      ['[', '[', true],
    ];
    for (const [p, s, m] of cases)
      it(`should ${m ? '' : 'not '}match ${JSON.stringify(s)} with ${JSON.stringify(p)}`, () => {
        expect(fnmatch(p, s)).toBe(m);
      });
  });

  describe('when compared with glibc', () => {
    it(`should agree on all ${glibc.length} recorded pattern/string pairs`, () => {
      const wrong = glibc.filter(([p, s, m]) => compileGlob(p).match(s) !== m);
      expect(wrong).toEqual([]);
    });
  });
});

describe('stringIsGlob', () => {
  it('should treat only * ? [ as glob characters', () => {
    expect([stringIsGlob('a*'), stringIsGlob('a?'), stringIsGlob('a[b'), stringIsGlob('a\\.b|c')]).toEqual([true, true, true, false]);
  });
});
