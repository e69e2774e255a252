/**
 * The `ioctl` step's `scope:` (issue #8): the four names (with or without FWCTL_RPC_) and any
 * u32 reach the machine unchanged — 0-3 as their names, other numbers as numbers — so an
 * unknown scope is the kernel's EOPNOTSUPP at run time, never a load-time rejection. (The
 * scripted fake opens any node; the real machine's EOPNOTSUPP is in fwctl-scopes-revoke.yaml.)
 */
import { describe, expect, it } from 'vitest';
import { runScenarioText } from '../../src/scenario/index.js';
import { fakeHost } from './fake-machine.js';

describe('ioctl scope values', () => {
  it.each([
    ['CONFIGURATION', 'CONFIGURATION'],
    ['FWCTL_RPC_DEBUG_WRITE_FULL', 'DEBUG_WRITE_FULL'],
    ['2', 'DEBUG_WRITE'],
    ['4', '4'],
    ['4294967295', '4294967295'],
  ])('scope: %s reaches the machine as %s', (scope, seen) => {
    const host = fakeHost();
    const r = runScenarioText(
      `name: s\nsteps:\n  - boot: {}\n  - open: /dev/doe/cxl_pci.doe.1\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    scope: ${scope}\n    payload: "00"\n`,
      's.yaml',
      host,
    );
    expect(r.status).not.toBe(2);
    expect(host.machines[0]!.calls.filter((c) => c.startsWith('ioctl'))).toEqual([`ioctl root 3 FWCTL_RPC ${seen} 00`]);
  });

  it.each(['-1', '4294967296', '1.5', 'DEBUG'])('scope: %s is not a u32 or a name: rejected at load time', (scope) => {
    const r = runScenarioText(
      `name: s\nsteps:\n  - boot: {}\n  - open: /dev/doe/cxl_pci.doe.1\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    scope: ${scope}\n    payload: "00"\n`,
      's.yaml',
      fakeHost(),
    );
    expect(r.status).toBe(2);
  });
});
