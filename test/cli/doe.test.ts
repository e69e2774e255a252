/**
 * `auxbus doe`: the DOE client as a command — the hand-off it performs, real exchanges, the
 * kernel's EPERM on raw access it holds, the U taint under pci-core-shared, and exit statuses.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/doe.js';
import { captureIo } from '../../src/cli/io.js';

async function doe(...argv: string[]) {
  const io = captureIo();
  const status = await run(argv, io);
  return { status, out: io.out, err: io.err };
}

describe('auxbus doe', () => {
  it('should hand a mailbox to doe_user and list its Discovery table', async () => {
    const r = await doe('discover', 'cxl_pci.doe.1');
    expect(r.status).toBe(0);
    expect(r.out).toContain('# echo doe_user.doe > /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override\n');
    expect(r.out).toMatch(/^0001:00 {2}DOE Discovery\n1e98:00 {2}CXL Compliance\n$/m);
  });

  it('should read and check the whole CDAT through /dev/doe', async () => {
    const r = await doe('cdat', 'cxl_pci.doe.0', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out) as { result: { length: number; checksum: string; structures: unknown[] }; taint: string };
    expect(j.result.length).toBe(160);
    expect(j.result.checksum).toBe('ok');
    expect(j.result.structures.length).toBe(6);
    expect(j.taint).toBe('');
  });

  it('should run a compliance request and decode its fields', async () => {
    const r = await doe('compliance', 'cxl_pci.doe.1', '--json');
    const j = JSON.parse(r.out) as { result: { status: string; values: Record<string, string> } };
    expect(j.result.status).toBe('success');
    expect(j.result.values.available).toBe('0xfde7');
  });

  it('should fail raw access with EPERM (exit 1) while the kernel holds the mailbox, and taint U under pci-core-shared', async () => {
    const held = await doe('compliance', '0000:0d:00.0', '--mailbox', '1');
    expect(held.status).toBe(1);
    expect(held.err).toMatch(/held by cxl_pci\.doe\.1 \(EPERM\)/);
    const shared = await doe('compliance', '0000:0d:00.0', '--mailbox', '1', '--doe', 'pci-core-shared', '--json');
    expect(shared.status).toBe(0);
    expect((JSON.parse(shared.out) as { taint: string }).taint).toBe('U');
  });

  it('should walk SPDM through /dev/doe and show the verified CHALLENGE_AUTH signature', async () => {
    const r = await doe('spdm', 'cxl_pci.doe.2', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out) as {
      result: { version: string; steps: string[]; certificates: string[]; signature: string; measurements: string[] };
    };
    expect(j.result.version).toBe('1.2');
    expect(j.result.steps.map((s) => s.split(' ')[0])).toEqual([
      'GET_VERSION',
      'GET_CAPABILITIES',
      'NEGOTIATE_ALGORITHMS',
      'GET_DIGESTS',
      'GET_CERTIFICATE',
      'GET_CERTIFICATE',
      'CHALLENGE',
      'GET_MEASUREMENTS',
    ]);
    expect(j.result.certificates.at(-1)).toBe('O=auxbus test, CN=auxbus test SPDM responder');
    expect(j.result.signature).toMatch(/^[0-9a-f]{192}$/); // ECDSA P-384 r||s
    expect(j.result.measurements).toHaveLength(4);
  });

  it('should answer bad input with exit 2', async () => {
    expect((await doe('nope', 'cxl_pci.doe.1')).status).toBe(2);
    expect((await doe('discover', '0000:0d:00.0', '--mailbox', 'x')).status).toBe(2);
    const missing = await doe('discover', 'cxl_pci.doe.9');
    expect(missing.status).toBe(2);
    expect(missing.err).toBe("auxbus doe: no auxiliary device 'cxl_pci.doe.9' on this machine\n");
    expect((await doe('discover', '0000:0e:00.0', '--mailbox', '0')).status).toBe(2);
  });
});
