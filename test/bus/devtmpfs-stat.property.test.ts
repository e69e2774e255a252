/**
 * Devtmpfs.stat (what udev's lstat reads) against Devtmpfs.lookup (the node objects), and
 * setNodeAttrs against chmod/chown: after any sequence of udev-like operations on /dev (symlinks
 * with their parent directories, unlinks with rmdir of the emptied parents, mode and owner
 * changes), both views agree on every path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import type { DevNode } from '../../src/bus/index.js';
import { createMachine } from '../../src/machine/index.js';

const PATHS = [
  '/dev',
  '/dev/cxl',
  '/dev/cxl/mem0',
  '/dev/fwctl',
  '/dev/fwctl/fwctl0',
  '/dev/a',
  '/dev/a/b',
  '/dev/a/b/c',
  '/dev/a/d',
  '/dev//a/./b',
  '/dev/x',
];
const LINKS = ['/dev/a/b/c', '/dev/a/d', '/dev/x', '/dev/cxl/by-id/m', '/dev//a/./b/e', '/dev/cxl/mem0/z'];

/** lookup's answer as lstat shows it. */
function asStat(n: DevNode | undefined): unknown {
  if (!n) return undefined;
  if (n.kind === 'chr') return { type: 'char', major: n.devt.major, minor: n.devt.minor, mode: n.mode, uid: n.uid, gid: n.gid };
  return n.kind === 'link' ? { type: 'link', target: n.target } : { type: 'dir' };
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('symlink' as const), path: fc.constantFrom(...LINKS) }),
  fc.record({ kind: fc.constant('unlink' as const), path: fc.constantFrom(...LINKS) }),
  fc.record({ kind: fc.constant('attrs' as const), path: fc.constantFrom(...PATHS), mode: fc.option(fc.nat(0o17777)), uid: fc.option(fc.nat(9)) }),
);

describe('Devtmpfs.stat and setNodeAttrs', () => {
  it('should agree with lookup, chmod and chown after any sequence of link and attribute changes', () => {
    const machine = createMachine({ presets: ['cxl-type3'] });
    machine.boot();
    machine.advance(2000);
    const token = machine.snapshot();
    const d = machine.devtmpfs;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        machine.restore(token);
        for (const o of ops) {
          const errno = (f: () => void) => {
            try {
              f();
              return 'ok';
            } catch (e) {
              if (!DriverModelError.is(e)) throw e;
              return e.errno;
            }
          };
          if (o.kind === 'symlink') {
            // MachineDevFs.symlink: mkdir -p, then the link (ENOTDIR/EEXIST leave things as they are).
            errno(() => {
              d.mkdirParents(o.path);
              d.symlink('../target', o.path);
            });
          } else if (o.kind === 'unlink') {
            if (errno(() => d.unlink(o.path)) === 'ok') d.rmdirParents(o.path);
          } else {
            const node = d.lookup(o.path);
            const viaNode = errno(() => {
              if (!node || node.kind !== 'chr') throw new DriverModelError('ENOENT', o.path);
            });
            expect(errno(() => d.setNodeAttrs(o.path, o.mode ?? undefined, o.uid ?? undefined, undefined))).toBe(viaNode);
            if (node?.kind === 'chr' && o.mode !== null) expect(node.mode).toBe(o.mode & 0o7777);
            if (node?.kind === 'chr' && o.uid !== null) expect(node.uid).toBe(o.uid);
          }
          for (const p of [...PATHS, ...LINKS]) expect(d.stat(p)).toEqual(asStat(d.lookup(p)));
        }
      }),
      { numRuns: 100 },
    );
  });
});
