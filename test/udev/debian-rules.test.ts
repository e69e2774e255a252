/**
 * Debian's own rules (DESIGN §5: every rules file Debian's udev package ships parses without a
 * diagnostic), through the library `verify` and through `auxbus udevadm verify`, whose exit
 * status is 0 for clean files and 1 when a file logs a warning or an error.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';
import { verify } from '../../src/udev/index.js';

const DEBIAN_RULES = '/usr/lib/udev/rules.d';

function debianRulesFiles(): Array<{ name: string; text: Uint8Array }> {
  if (!existsSync(DEBIAN_RULES)) throw new Error(`${DEBIAN_RULES} is missing: install Debian's udev package (apt-get install udev) to run this test`);
  return readdirSync(DEBIAN_RULES)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => ({ name: join(DEBIAN_RULES, f), text: new Uint8Array(readFileSync(join(DEBIAN_RULES, f))) }));
}

async function udevadm(cwd: string, ...argv: string[]) {
  const io = captureIo(cwd);
  const status = await runCli(['udevadm', ...argv], io);
  return { status, out: io.out, err: io.err };
}

describe('verify', () => {
  describe("having Debian's rules files", () => {
    it('should report no diagnostic for any of them', () => {
      const files = debianRulesFiles();
      expect(files.length).toBeGreaterThan(20);
      const result = verify(files);
      expect(result.files.map((f) => f.name)).toEqual(files.map((f) => f.name));
      expect(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.level}: ${d.message}`)).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.exitCode).toBe(0);
    });
  });

  describe('having a file with mistakes', () => {
    it('should fail that file alone, with its line numbers', () => {
      const bad = { name: 'bad.rules', text: new TextEncoder().encode('KERNEL=="x", FOO="y"\n\nSUBSYSTEM=="net", NAME=="eth0"\n') };
      const good = { name: 'good.rules', text: new TextEncoder().encode('SUBSYSTEM=="net", ENV{X}="1"\n') };
      const result = verify([bad, good]);
      expect(result.files.map((f) => [f.name, f.ok])).toEqual([
        ['bad.rules', false],
        ['good.rules', true],
      ]);
      expect(result.diagnostics.map((d) => [d.file, d.line, d.level])).toEqual([
        ['bad.rules', 1, 'error'],
        ['bad.rules', 3, 'warning'],
      ]);
      expect(result.exitCode).toBe(1);
    });
  });
});

describe('auxbus udevadm verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-verify-'));
  writeFileSync(join(dir, '10-clean.rules'), 'SUBSYSTEM=="net", ACTION=="add", ENV{ID_X}="1"\n');
  writeFileSync(join(dir, '20-broken.rules'), '# a comment\nKERNEL=="eth*", ENV{A}="1" GOTO=\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("should exit 0 on Debian's rules directory", async () => {
    debianRulesFiles();
    const r = await udevadm(dir, 'verify', DEBIAN_RULES);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^\n\d+ udev rules files have been checked\.\n {2}Success: \d+\n {2}Fail: {4}0\n$/);
  });

  it('should exit 0 on a clean file', async () => {
    const r = await udevadm(dir, 'verify', '10-clean.rules');
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('Fail:    0\n');
  });

  it('should exit 1 and name file and line when a file has an error', async () => {
    const r = await udevadm(dir, 'verify', '10-clean.rules', '20-broken.rules');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^20-broken\.rules:2:1: error: /m);
    expect(r.out).toContain('2 udev rules files have been checked.\n  Success: 1\n  Fail:    1\n');
  });

  it('should give JSON lines with --json', async () => {
    const r = await udevadm(dir, 'verify', '--json', dir);
    expect(r.status).toBe(1);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; line: number; level: string });
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatchObject({ file: join(dir, '20-broken.rules'), line: 2, level: 'error' });
  });

  it('should exit 2 on a path that does not exist', async () => {
    const r = await udevadm(dir, 'verify', 'no-such.rules');
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^no-such\.rules:1:1: cannot read: /);
  });
});
