/**
 * The TypeScript examples of the DOE hand-off run and say what the machine did.
 */
import { describe, expect, it } from 'vitest';
import { main as handoff } from '../../examples/doe-compliance-handoff.js';
import { main as spdm } from '../../examples/spdm-userspace.js';

const capture = (fn: (print: (l: string) => void) => void) => {
  const lines: string[] = [];
  fn((l) => lines.push(l));
  return lines;
};

describe('examples', () => {
  it('doe-compliance-handoff: EPERM, then a compliance exchange through /dev/doe, EBUSY, then U under pci-core-shared', () => {
    const lines = capture(handoff);
    expect(lines).toContain('raw compliance capability while pci_doe.doe is bound: EPERM');
    expect(lines).toContain('compliance capability through /dev/doe: status 0, available 0xfde7, enabled 0x0');
    expect(lines).toContain('a second process opens the node: EBUSY');
    expect(lines).toContain('raw access while doe_user holds the mailbox: EPERM');
    expect(lines.filter((l) => l.startsWith('taint:'))).toEqual(['taint: ""', 'taint: "U"']);
  });

  it('spdm-userspace: kernel authenticated, userspace walk verified, its own secured session, a foreign trust anchor refused', () => {
    const lines = capture(spdm);
    expect(lines[0]).toBe('kernel CMA/SPDM authentication: {"authenticated":true}');
    expect(lines.some((l) => /^signature \(ECDSA P-384 r\|\|s\): [0-9a-f]{192} — verified$/.test(l))).toBe(true);
    expect(lines).toContain('Discovery through /dev/doe: 0001:00 0001:01 0001:02');
    expect(lines.filter((l) => /^ {2}secured (FINISH|HEARTBEAT|END_SESSION) +DOE 0001:02 ffffffff/.test(l))).toHaveLength(3);
    expect(lines).toContain('own session 0xffffffff: established, heartbeat acknowledged, ended');
    expect(lines.at(-1)).toMatch(/^with the leaf as the only trust anchor: ENOKEY: /);
  });
});
