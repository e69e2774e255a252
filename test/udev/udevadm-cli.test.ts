/**
 * `auxbus udevadm <verb>` end to end, in process: the verb table, info/trigger/monitor/settle on
 * a booted machine with the shared machine options, --json, and exit statuses 0/1/2.
 */
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/verbs.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';

async function udevadm(...argv: string[]) {
  const io = captureIo();
  const status = await runCli(['udevadm', ...argv], io);
  return { status, out: io.out, err: io.err };
}

describe('auxbus udevadm', () => {
  it('lists its verbs, test and verify included', async () => {
    const r = await udevadm('--help');
    expect(r.status).toBe(0);
    for (const v of ['info', 'trigger', 'settle', 'monitor', 'test', 'verify']) expect(r.out).toMatch(new RegExp(`^  ${v} `, 'm'));
  });

  it('rejects an unknown verb with exit 2 and one line', async () => {
    const r = await udevadm('frobnicate');
    expect(r.status).toBe(2);
    expect(r.err).toBe("auxbus udevadm: Unknown command verb 'frobnicate' (try 'auxbus udevadm --help')\n");
  });

  it('info -a walks the parents of a device', async () => {
    const r = await udevadm('info', '-a', `/sys${CXL}/cxl_pci.doe.0`, '--preset', 'cxl-type3');
    expect(r.status).toBe(0);
    expect(r.out).toContain(
      `  looking at device '${CXL}/cxl_pci.doe.0':\n    KERNEL=="cxl_pci.doe.0"\n    SUBSYSTEM=="auxiliary"\n    DRIVER=="pci_doe.doe"\n`,
    );
    expect(r.out).toContain(`  looking at parent device '${CXL}':\n`);
  });

  it('info -q property -p DEVPATH, and --json', async () => {
    const r = await udevadm('info', '-q', 'property', '-p', CXL, '--preset', 'cxl-type3');
    expect(r.status).toBe(0);
    expect(r.out).toContain('DRIVER=cxl_pci\n');
    const j = await udevadm('info', '--json', `/sys${CXL}`, '--preset', 'cxl-type3');
    expect(JSON.parse(j.out).devices[0]).toMatchObject({ devpath: CXL, subsystem: 'pci', driver: 'cxl_pci' });
  });

  it('info: exit 1 for an unknown device, 2 for a bad query', async () => {
    const unknown = await udevadm('info', '/sys/devices/nope', '--preset', 'cxl-type3');
    expect(unknown.status).toBe(1);
    expect(unknown.err).toBe('udevadm info: Unknown device "/sys/devices/nope": No such device\n');
    const bad = await udevadm('info', '-q', 'bogus', `/sys${CXL}`);
    expect(bad.status).toBe(2);
    expect(bad.err).toBe('udevadm info: unknown query type\n');
  });

  it('trigger --dry-run --verbose lists devices; --json reports the uevents sent', async () => {
    const dry = await udevadm('trigger', '--dry-run', '--verbose', '-s', 'pci', '--preset', 'cxl-type3');
    expect(dry.status).toBe(0);
    expect(dry.out).toBe(`/sys/devices/pci0000:00/0000:00:01.0\n/sys${CXL}\n`);
    const j = await udevadm('trigger', '--json', '-c', 'add', '-y', '0000:0d:00.0', '--preset', 'cxl-type3');
    expect(JSON.parse(j.out)).toEqual({ devices: [`/sys${CXL}`], triggered: [`/sys${CXL}`], uevents: [`add ${CXL}`] });
  });

  it('monitor prints the boot in udevadm format; -k with a subsystem filter', async () => {
    const r = await udevadm('monitor', '-k', '-s', 'module', '--preset', 'cxl-type3');
    expect(r.status).toBe(0);
    expect(r.out).toBe(
      'monitor will print the received events for:\nKERNEL - the kernel uevent\n\n' +
        'KERNEL[0.000000] add      /module/cxl_core (module)\n' +
        'KERNEL[0.000000] add      /module/cxl_pci (module)\n' +
        'KERNEL[0.000000] add      /module/pci_doe (module)\n' +
        'KERNEL[0.000000] add      /module/fwctl (module)\n' +
        'KERNEL[0.000000] add      /module/cxl_fwctl (module)\n',
    );
    const none = await udevadm('monitor', '-u', '-s', 'module', '--no-autoload', '--preset', 'cxl-type3');
    expect(none.out).toBe('monitor will print the received events for:\nUDEV - the event which udev sends out after rule processing\n\n');
  });

  it('settle exits 0 on a settled machine', async () => {
    const r = await udevadm('settle', '--json', '--preset', 'cxl-type3');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ settled: true, queue: [] });
    expect((await udevadm('settle', '-t', 'soon')).status).toBe(2);
  });

  it('passes test and verify to their own verbs', async () => {
    const r = await udevadm('test');
    expect(r.status).toBe(2);
    expect(r.err).not.toContain('Unknown command verb');
  });
});
