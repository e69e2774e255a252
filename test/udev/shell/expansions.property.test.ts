/**
 * Property: for random values and patterns, the parameter expansions `${x#p}` `${x##p}`
 * `${x%p}` `${x%%p}`, the `-`/`+`/`=` forms with and without `:`, `${#x}`, and field splitting
 * of the result give what the host's dash gives (quoted and unquoted). Patterns hold no `/`, so
 * unquoted results never glob outside the (empty) working directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPrograms } from '../../../src/udev/index.js';
import { runRegistered } from '../../../src/udev/spawn.js';
import { SysfsAccess } from '../../../src/udev/sources/sysfs-access.js';
import { MemorySysfs } from '../../../src/udev/sources/sysfs-memory.js';

const DASH = ['/usr/bin/dash', '/bin/dash'].find((p) => existsSync(p));
/** dash runs in an empty directory, as the shell's globs see an empty filesystem. */
const EMPTY = mkdtempSync(join(tmpdir(), 'auxbus-sh-'));

const value = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', ' ', '-', '0'), maxLength: 8 });
const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '?', '[ab]', '[!a]', '\\*', '0'), maxLength: 4 });
const op = fc.constantFrom('#', '##', '%', '%%', ':-', '-', ':+', '+', ':=', '=');

function sq(s: string): string {
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

describe.skipIf(DASH === undefined)('parameter expansion agrees with dash on random inputs', () => {
  it('for every operator, quoted and unquoted', () => {
    const fs = new SysfsAccess(new MemorySysfs());
    fc.assert(
      fc.property(value, fc.boolean(), pattern, op, (v, set, p, o) => {
        const script = `${set ? `x=${sq(v)}; ` : ''}printf '[%s]' "\${x${o}${p}}" \${x${o}${p}}; echo "|\${#x}|\${x-unset}"`;
        const ours = runRegistered(defaultPrograms(), fs, undefined, ['/bin/sh', '-c', script], new Map(), '');
        const dash = spawnSync(DASH!, ['-c', script], { encoding: 'latin1', env: {}, cwd: EMPTY });
        expect({ out: ours.stdout, status: ours.exitCode }).toEqual({ out: dash.stdout, status: dash.status });
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
