/**
 * `auxbus pci-trace`: the oracle program language on a machine's function, with the device's
 * own timing (cxl-type3 takes virtual time, qemu-cxl-type3 answers inside Go), bad input as
 * exit status 2, and the qemu-cxl-type3 preset as the kernel sees it.
 */
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { formatPciTraceRecord, run } from '../../src/cli/pci-trace.js';
import { createMachine } from '../../src/machine/index.js';
import { memdevCdat } from '../../src/protocols/index.js';

async function trace(...argv: string[]) {
  const io = captureIo();
  const status = await run(argv, io);
  const records = io.out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status, records, err: io.err };
}

describe('auxbus pci-trace', () => {
  it('should see Busy on cxl-type3: Status after Go is Busy, Ready at the second poll 1 ms later', async () => {
    const { status, records } = await trace('--preset', 'cxl-type3', '-e', 'doe 0x190 1 3 1', '--json');
    expect(status).toBe(0);
    expect(records[1]).toEqual({
      op: 'doe',
      cap: '0x190',
      req: ['0x00000001', '0x00000003', '0x00000001'],
      status_after_go: '0x00000001',
      polls: 2,
      ready: true,
      rsp: ['0x00000001', '0x00000003', '0x00021e98'],
      status_end: '0x00000000',
    });
  });

  it('should never see Busy on qemu-cxl-type3 (polls 1)', async () => {
    const { records } = await trace('-e', 'doe 0x190 1 3 1', '--json');
    expect(records[1]).toMatchObject({ status_after_go: '0x80000000', polls: 1, ready: true });
  });

  it('should read the cxl-type3 CDAT (Appendix B.3, 256 MiB volatile) entry by entry through the mailbox', async () => {
    const { records } = await trace('--preset', 'cxl-type3', '-e', 'cdat 0x190', '--json');
    const bytes = records
      .filter((r) => r.op === 'cdat_entry')
      .map((r) => r.bytes as string)
      .join('');
    expect(bytes).toBe(Buffer.from(memdevCdat({ volatileSize: 256n << 20n }).bytes).toString('hex'));
  });

  it('should leave an unanswered compliance request pending when the polls run out before the device answers', async () => {
    const { records } = await trace(
      '--preset',
      'cxl-type3',
      '-e',
      'polls 2',
      '-e',
      'doe 0x1a8 00001e98 3 0',
      '-e',
      'sleep 5',
      '-e',
      'r32 0x1b4',
      '--json',
    );
    expect(records[2]).toMatchObject({ ready: false, rsp: [], status_after_go: '0x00000001', status_end: '0x00000001' });
    expect(records[4]).toEqual({ op: 'r32', off: '0x1b4', value: '0x80000000' });
  });

  it('should report the kernel-facing errors the guest would: no device, bad operands, unknown ops', async () => {
    const { records } = await trace('-e', 'select 0000:99:00.0', '-e', 'r32 0x0', '-e', 'note still here', '--json');
    expect(records.slice(1)).toEqual([
      { op: 'select', want: '0000:99:00.0', error: 'no such PCI function' },
      { op: 'r32', error: 'no device selected' },
      { op: 'note', text: 'still here' },
      { op: 'end' },
    ]);
    const bad = await trace('-e', 'r32 zz', '-e', 'w8 0x10', '-e', 'frob', '--json');
    expect(bad.records.slice(1, 4)).toEqual([
      { op: 'r32', error: 'bad operand' },
      { op: 'w8', error: 'bad operand' },
      { op: 'frob', error: 'unknown op' },
    ]);
  });

  it('should mark a config write the kernel refuses (lockdown) as a failed access', async () => {
    const { records } = await trace('--lockdown', 'confidentiality', '-e', 'w32 0x1a0 1', '--json');
    expect(records[1]).toEqual({ op: 'w32', off: '0x1a0', value: '0x00000001', error: 'config access failed' });
  });

  it('should fail raw DOE writes while pci_doe holds the mailbox (aux-exclusive) and succeed under pci-core-shared', async () => {
    const held = await trace('-e', 'w32 0x1a0 1', '-e', 'w32 0x10 0', '--json', '--module', 'cxl_pci', 'pci_doe');
    expect(held.records[0]).toMatchObject({ op: 'select', driver: 'cxl_pci' });
    expect(held.records[1]).toEqual({ op: 'w32', off: '0x1a0', value: '0x00000001', error: 'config access failed' });
    expect(held.records[2]).toEqual({ op: 'w32', off: '0x10', value: '0x00000000' });
    const shared = await trace('-e', 'doe 0x190 1 3 0', '--json', '--doe', 'pci-core-shared', '--module', 'cxl_pci');
    expect(shared.records[1]).toMatchObject({ ready: true, rsp: ['0x00000001', '0x00000003', '0x01000001'] });
  });

  it('should exit 2 without a program and for an unknown preset', async () => {
    expect((await trace()).status).toBe(2);
    const unknown = await trace('--preset', 'nope', '-e', 'caps');
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/unknown preset 'nope'/);
  });

  it('should print one readable line per record without --json', async () => {
    const io = captureIo();
    await run(['-e', 'r32 0x19c'], io);
    expect(io.out.split('\n')[1]).toBe('r32 off=0x19c value=0x00000000');
    expect(formatPciTraceRecord({ op: 'dump', bytes: 8, dwords: ['0x1', '0x2'] })).toBe('dump bytes=8 dwords=[2]');
  });
});

describe('the qemu-cxl-type3 preset on a machine', () => {
  it('should sit at 0000:0d:00.0 with one DOE mailbox listing 1e98:02, bound by cxl_pci as one DOE auxiliary device', () => {
    const m = createMachine({ presets: ['qemu-cxl-type3'], modules: ['cxl_pci', 'pci_doe'], autoload: false });
    m.boot();
    m.advance(100); // pci_doe's Discovery, which doe_features/ shows
    const root = m.processes.root;
    expect(root.readdir('/sys/bus/pci/devices/0000:0d:00.0/doe_features').sort()).toEqual(['1e98:02', 'doe_discovery']);
    expect(root.readlink('/sys/bus/pci/devices/0000:0d:00.0/driver')).toMatch(/cxl_pci$/);
    expect(m.findDevice('cxl_pci.doe.0').name).toBe('cxl_pci.doe.0');
    expect(() => m.findDevice('cxl_pci.doe.1')).toThrow(expect.objectContaining({ errno: 'ENODEV' }));
  });
});
