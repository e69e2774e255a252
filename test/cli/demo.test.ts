/**
 * `npm start` (auxbus demo): the narrated tour must tell the truth about the machine it runs:
 * the hand-off uevents in the kernel's order, the errno a real process would see, and the
 * owner as the ownership model derives it.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/demo.js';
import { captureIo } from '../../src/cli/io.js';

async function tour() {
  const io = captureIo();
  const status = await run([], io);
  return { status, out: io.out, lines: io.out.split('\n') };
}

const indexOf = (lines: string[], re: RegExp) => lines.findIndex((l) => re.test(l));

describe('auxbus demo', () => {
  it('should finish with status 0 and no colour escapes on a non-TTY', async () => {
    const { status, out } = await tour();
    expect(status).toBe(0);
    expect(out).not.toMatch(/\x1b\[/);
  });

  it('should show the doe class device added before the bind of its auxiliary parent', async () => {
    const { lines } = await tour();
    const add = indexOf(lines, /^\s+\d+ add\s+\S+\/cxl_pci\.doe\.1\/doe\/cxl_pci\.doe\.1 \(doe\)/);
    const bind = indexOf(lines, /^\s+\d+ bind\s+\S+\/cxl_pci\.doe\.1 \(auxiliary\) DRIVER=doe_user\.doe/);
    expect(add).toBeGreaterThan(0);
    expect(bind).toBeGreaterThan(add);
  });

  it('should show the unbind uevent without DRIVER=', async () => {
    const { lines } = await tour();
    const unbinds = lines.filter((l) => /^\s+\d+ unbind\s+\S+\/cxl_pci\.doe\.1 \(auxiliary\)/.test(l));
    expect(unbinds.length).toBe(2);
    for (const l of unbinds) expect(l).not.toContain('DRIVER=');
  });

  it('should report EBUSY for a second bind and EACCES for reading bind', async () => {
    const { out } = await tour();
    expect(out).toMatch(/drivers\/doe_user\.doe\/bind\n\s+→ EBUSY/);
    expect(out).toMatch(/cat \/sys\/bus\/auxiliary\/drivers\/doe_user\.doe\/bind\n\s+→ EACCES/);
  });

  it('should move ownership none → holder → none, refuse a second opener, and revoke on unbind', async () => {
    const { lines, out } = await tour();
    const owners = lines.filter((l) => l.startsWith('owner of cxl_pci.doe.1:')).map((l) => l.split(': ')[1]);
    expect(owners).toEqual(['none', 'cxl-compliance', 'none']);
    expect(out).toMatch(/spdm-agent: open\("\/dev\/doe\/cxl_pci\.doe\.1", O_RDWR\)\n\s+→ EBUSY .*held by cxl-compliance/);
    expect(out).toMatch(/cxl-compliance: read\(fd\)\n\s+→ ENODEV/);
    expect(out).toMatch(/cxl-compliance: close\(fd\)\nowner of cxl_pci\.doe\.1: none/);
  });

  it('should show the NIC split (eth0, mlx5_0, uverbs0, an fwctl device) beside the CXL device', async () => {
    const { lines } = await tour();
    const nic = indexOf(lines, /^0000:03:00\.0:$/);
    const cxl = indexOf(lines, /^0000:0d:00\.0:$/);
    expect(nic).toBeGreaterThan(0);
    expect(cxl).toBeGreaterThan(nic);
    const nicRows = lines.slice(nic + 1, cxl);
    expect(nicRows.map((l) => l.trim().split(' ')[0])).toEqual(['eth0', 'mlx5_0', 'uverbs0', expect.stringMatching(/^fwctl\d$/)]);
    expect(nicRows.find((l) => l.includes('uverbs0'))).toContain('/dev/infiniband/uverbs0 owner=kernel');
    expect(lines[cxl + 1]).toMatch(/^\s+fwctl\d \(fwctl\) \/dev\/fwctl\/fwctl\d owner=kernel$/);
  });

  it('should refuse the raw exchange while the kernel holds the mailbox, and allow it once nobody does, untainted', async () => {
    const { out } = await tour();
    expect(out).toMatch(/a compliance Capability request\n\s+→ EPERM .*held by cxl_pci\.doe\.1/);
    expect(out).toContain('the same raw exchange now that nobody holds mailbox 1\n  status 0, available 0xfde7; kernel taint: ""');
  });

  it("should show the kernel's own DOE work: the CDAT read and the SPDM authentication", async () => {
    const { out } = await tour();
    expect(out).toContain('CDAT read through mailbox 0 (160 bytes, checksum ok)');
    expect(out).toContain('authenticated over CMA/SPDM through mailbox 2 ({"authenticated":true})');
  });

  it('should carry a real compliance exchange through /dev/doe', async () => {
    const { out } = await tour();
    expect(out).toContain('# cxl-compliance: write(fd, 981e00000300000000010000)');
    expect(out).toContain('# cxl-compliance: read(fd) = 981e00000700000000011c00e7fd0000000000000000000000000000');
  });

  it('should verify an SPDM CHALLENGE signature on screen', async () => {
    const { out, lines } = await tour();
    const sig = indexOf(lines, /^CHALLENGE_AUTH sig {2}[0-9a-f]{64}$/);
    expect(sig).toBeGreaterThan(0);
    expect(lines[sig + 3]).toMatch(/^✓ signature verified \(ECDSA P-384 over the SPDM 1\.2 transcript\)/);
    expect(out).toContain('  O=auxbus test, CN=auxbus test SPDM responder');
  });

  it("should show the tree before and after the hand-off, and mainline's policy tainting U", async () => {
    const { out } = await tour();
    expect(out).toContain('│  │  ├─ cxl_pci.doe.1  auxiliary  → pci_doe.doe');
    expect(out).toContain('│  │  ├─ cxl_pci.doe.2  auxiliary  → doe_user.doe  override=doe_user.doe');
    expect(out).toContain('nothing stopped it; kernel taint: "U"');
  });

  it('should print the same tour twice, byte for byte', async () => {
    const a = await tour();
    const b = await tour();
    expect(a.out).toBe(b.out);
  });
});

describe('auxbus demo: fwctl', () => {
  it('should show the fwctl scopes, the taint and revocation by rmmod in the kernel’s errno', async () => {
    const { lines } = await tour();
    const at = (re: RegExp) => indexOf(lines, re);
    expect(at(/owner of fwctl1: fwtool/)).toBeGreaterThan(0);
    expect(at(/device type 1 \(MLX5\), firmware uid 1, uctx_caps 0x4/)).toBeGreaterThan(0);
    expect(at(/→ EBADMSG mlx5_fwctl/)).toBeGreaterThan(0);
    expect(at(/→ EPERM fwctl: FWCTL_RPC_DEBUG_WRITE_FULL/)).toBeGreaterThan(0);
    expect(at(/DEBUG_WRITE taints: "J"/)).toBeGreaterThan(0);
    const remove = at(/^\s+\d+ remove\s+\S+\/fwctl\/fwctl1 \(fwctl\)/);
    const unbind = at(/^\s+\d+ unbind\s+\S+\/mlx5_core\.fwctl\.0 \(auxiliary\)/);
    expect(remove).toBeGreaterThan(0);
    expect(unbind).toBeGreaterThan(remove);
    expect(at(/→ ENODEV fwctl: fwctl1 has been unregistered/)).toBeGreaterThan(unbind);
    expect(lines.filter((l) => /refcnt: \d/.test(l)).map((l) => l.replace(/ \(.*/, ''))).toEqual([
      '/sys/module/fwctl/refcnt: 2',
      '/sys/module/fwctl/refcnt: 1',
    ]);
  });
});
