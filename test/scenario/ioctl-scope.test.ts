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

describe('ioctl out_len', () => {
  const text = (extra: string, op = 'FWCTL_RPC') =>
    `name: s\nsteps:\n  - boot: {}\n  - open: /dev/doe/cxl_pci.doe.1\n    fd: f\n  - ioctl: f\n    op: ${op}\n${op === 'FWCTL_RPC' ? '    scope: 0\n    payload: "00"\n' : ''}${extra}`;

  it.each([
    ['0', 0],
    ['40', 40],
    ['4294967295', 4294967295],
  ])('out_len: %s reaches the machine unchanged', (value, seen) => {
    const host = fakeHost();
    const r = runScenarioText(text(`    out_len: ${value}\n`), 's.yaml', host);
    expect(r.status).not.toBe(2);
    expect(host.machines[0]!.calls.filter((c) => c.startsWith('ioctl'))).toEqual([`ioctl root 3 FWCTL_RPC CONFIGURATION 00 out_len=${seen}`]);
  });

  it.each([
    ['-1', 'FWCTL_RPC'],
    ['4294967296', 'FWCTL_RPC'],
    ['"16"', 'FWCTL_RPC'],
    ['16', 'FWCTL_INFO'],
  ])('out_len: %s with %s is rejected at load time', (value, op) => {
    expect(runScenarioText(text(`    out_len: ${value}\n`, op), 's.yaml', fakeHost()).status).toBe(2);
  });
});
