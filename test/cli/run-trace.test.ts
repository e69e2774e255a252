/**
 * `auxbus run -v` / `--trace`: per step, the kernel uevents, the udev events with the rules lines
 * that matched, the /sys and /dev changes, and what read/ls steps read.
 */
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';

const DOE1 = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0/cxl_pci.doe.1';

describe('auxbus run --trace', () => {
  it('shows what the hand-off step did, below the step', async () => {
    const io = captureIo();
    expect(await runCli(['run', '-v', 'test/cli/fixtures/trace.yaml'], io)).toBe(0);
    const step = io.out.slice(
      io.out.indexOf('write /sys/bus/auxiliary/drivers_probe'),
      io.out.indexOf('read /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override'),
    );
    expect(step).toMatch(new RegExp(`^    kernel: \\d+ add ${DOE1}/doe/cxl_pci\\.doe\\.1 \\(doe\\)$`, 'm'));
    expect(step).toMatch(new RegExp(`^    kernel: \\d+ bind ${DOE1} \\(auxiliary\\)$`, 'm'));
    expect(step).toContain(`udev: `);
    expect(step).toContain('      matched 70-doe.rules:1: SUBSYSTEM=="doe", MODE="0660", SYMLINK+="my-doe"\n');
    expect(step).toContain(`    + /sys${DOE1}/driver -> ../../../../../bus/auxiliary/drivers/doe_user.doe\n`);
    expect(step).toMatch(/^ {4}\+ \/dev\/doe\/cxl_pci\.doe\.1 char \d+:0 0660 root:root$/m);
    expect(step).toContain('    + /dev/my-doe -> doe/cxl_pci.doe.1\n');
    expect(io.out).toContain('    read: {"value":"doe_user.doe\\n"}\n');
  });

  it('prints nothing extra without -v', async () => {
    const io = captureIo();
    expect(await runCli(['run', 'test/cli/fixtures/trace.yaml'], io)).toBe(0);
    expect(io.out).not.toContain('    kernel:');
  });
});

describe('auxbus run --trace shows the rules as udevd ran them', () => {
  it('a remove event’s matched lines are shown although the device is gone after the step', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'auxbus-trace-'));
    const file = join(dir, 'remove.yaml');
    writeFileSync(
      file,
      [
        'name: remove',
        'machine: { presets: [cxl-type3] }',
        'rules:',
        '  - name: 70-gone.rules',
        '    text: |',
        '      ACTION=="remove", SUBSYSTEM=="auxiliary", ENV{GONE}="1"',
        'steps:',
        '  - boot: {}',
        '  - write: /sys/bus/pci/drivers/cxl_pci/unbind',
        '    value: "0000:0d:00.0"',
        '',
      ].join('\n'),
    );
    const io = captureIo();
    expect(await runCli(['run', '--trace', file], io)).toBe(0);
    const step = io.out.slice(io.out.indexOf('write /sys/bus/pci/drivers/cxl_pci/unbind'));
    expect(step).toMatch(
      new RegExp(
        `^    udev: \\d+ remove ${DOE1}$\\n^      matched 70-gone.rules:1: ACTION=="remove", SUBSYSTEM=="auxiliary", ENV\\{GONE\\}="1"$`,
        'm',
      ),
    );
  });
});
