/**
 * Every rules file of Debian bookworm's udev, systemd, rdma-core, modemmanager,
 * network-manager, udisks2, pulseaudio, dmsetup, e2fsprogs, usb-modeswitch-data,
 * android-sdk-platform-tools-common and openocd packages (cached in
 * test/fixtures/udev-rules/bookworm; libfido2-1 ships none, its devices are covered by udev's
 * 60-fido-id.rules): `udevadm verify` gives exactly the parse diagnostics udev 252 logged for
 * them (the oracle recorded none, cases-real/26x-all-bookworm-rules-*), and those cases run
 * `udevadm test` over all of them on ten devices.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';
import { verify } from '../../src/udev/index.js';
import { parseJsonLines } from '../conformance/udev/compare.js';

const dir = join(import.meta.dirname, '../fixtures/udev-rules/bookworm');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.rules'))
  .sort()
  .map((f) => ({ name: f, text: new Uint8Array(readFileSync(join(dir, f))) }));
const packages = new Set(
  readFileSync(join(dir, 'PACKAGES'), 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => p !== undefined && p.length > 0),
);

describe("Debian bookworm's shipped rules files", () => {
  it('come from the packages the issue names', () => {
    for (const p of ['udev', 'systemd', 'rdma-core', 'modemmanager', 'network-manager', 'udisks2', 'pulseaudio']) expect(packages).toContain(p);
    expect(files.length).toBeGreaterThanOrEqual(79);
  });

  it('verify with the parse diagnostics udev 252 logged for them', () => {
    const expected = parseJsonLines(
      readFileSync(join(import.meta.dirname, '../conformance/udev/cases-real/260-all-bookworm-rules-usb-serial/expected.jsonl'), 'utf8'),
    ).records.filter((r) => r.kind === 'diag' && r.phase === 'parse');
    const result = verify(files);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual(expected.map((d) => `${d.file}:${d.line} ${d.msg}`));
    expect(result.exitCode).toBe(0);
  });

  it('pass auxbus udevadm verify', async () => {
    const io = captureIo(dir);
    const status = await runCli(['udevadm', 'verify', ...files.map((f) => f.name)], io);
    expect({ status, err: io.err }).toEqual({ status: 0, err: '' });
  });
});
