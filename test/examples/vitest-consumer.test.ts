/**
 * examples/vitest-consumer installs auxbus the way a user does and tests a policy and an ownership
 * conflict with auxbus/testing. Here: `npm pack` of this repository (its `prepare` builds dist),
 * the tarball unpacked as the consumer's node_modules/auxbus, and the consumer's vitest run in a
 * child process. Nothing is fetched: every other package (vitest, inversify…) resolves by walking
 * up to this repository's node_modules, as Node's resolution does for a nested package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONSUMER = join(ROOT, 'examples/vitest-consumer');

/** The environment of a fresh shell: no variables of the vitest run that spawns the child. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
}

describe('examples/vitest-consumer', () => {
  it('should pass its own tests against the packed package', () => {
    const packDir = mkdtempSync(join(tmpdir(), 'auxbus-pack-'));
    try {
      const out = execFileSync('npm', ['pack', '--silent', '--offline', '--pack-destination', packDir], {
        cwd: ROOT,
        env: cleanEnv(),
        encoding: 'utf8',
      });
      const tarball = join(packDir, out.trim().split('\n').at(-1)!);
      const target = join(CONSUMER, 'node_modules/auxbus');
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
      const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=verbose'], {
        cwd: CONSUMER,
        env: { ...cleanEnv(), NO_COLOR: '1' },
        encoding: 'utf8',
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status, output).toBe(0);
      expect(output).toMatch(/Tests\s+3 passed/);
    } finally {
      rmSync(packDir, { recursive: true, force: true });
    }
  }, 240_000);
});
