/**
 * The bad-input corpus (test/cli/bad-input): malformed scenario files (`auxbus run`), rules
 * files (`auxbus tree --strict --rules`) and device descriptions (`auxbus udevadm test
 * --device`). Every one is rejected with exit 2 and exactly one positioned line on stderr,
 * `FILE:LINE:COL: message`, and never a stack trace.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';

const ROOT = 'test/cli/bad-input';
const files = (kind: string) =>
  readdirSync(join(ROOT, kind))
    .sort()
    .map((f) => join(ROOT, kind, f));

const verbs: Record<string, (file: string) => string[]> = {
  scenario: (f) => ['run', f],
  // The same files as the machine of a machine verb.
  'scenario-machine': (f) => ['tree', '--scenario', f],
  rules: (f) => ['tree', '--strict', '--rules', f],
  desc: (f) => ['udevadm', 'test', '--rules', join(ROOT, 'ok.rules'), '--device', f],
};

describe('bad-input corpus', () => {
  it('has at least 30 files', () => {
    expect(['scenario', 'rules', 'desc'].flatMap(files).length).toBeGreaterThanOrEqual(30);
  });

  for (const kind of Object.keys(verbs)) {
    it.each(files(kind === 'scenario-machine' ? 'scenario' : kind))(`${kind}: %s`, async (file) => {
      const io = captureIo();
      const status = await runCli(verbs[kind]!(file), io);
      expect(status).toBe(2);
      const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(io.err).toMatch(new RegExp(`^${escaped}:\\d+:\\d+: [^\\n]+\\n$`));
      expect(io.err).not.toMatch(/\n\s+at /);
    });
  }
});
