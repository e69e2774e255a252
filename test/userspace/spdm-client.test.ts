/**
 * The userspace SPDM walk over /dev/doe (issue #7 "Userspace tools"): the whole walk verifies
 * the chain and the signatures; a trust store without the device's root fails with ENOKEY and
 * the engine's precise message; a mailbox that is not CMA/SPDM fails at the DOE layer.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/machine/index.js';
import { FIXTURE_CERTIFICATES, FIXTURE_ROOT } from '../../src/protocols/spdm/fixture-identity.js';
import { DevDoeTransport, DoeClient, spdmWalk } from '../../src/userspace/index.js';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

function clientFor(device: string): { m: Machine; client: DoeClient } {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
  m.advance(500);
  const root = m.processes.root;
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', device);
  root.writeFile(`/sys/bus/auxiliary/devices/${device}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', device);
  const tool = m.processes.spawn('spdm-tool', { uid: 0, gid: 0, caps: [] });
  const fd = tool.open(`/dev/doe/${device}`, 'rw');
  return { m, client: new DoeClient(new DevDoeTransport(tool, fd, { sleep: (ms) => void m.advance(ms) })) };
}

describe('userspace SPDM walk', () => {
  it('should authenticate the device: chain to the trusted root, CHALLENGE_AUTH and measurements verified', () => {
    const { client } = clientFor('cxl_pci.doe.2');
    const walk = spdmWalk(client, { trust: [FIXTURE_ROOT] });
    expect(walk.result.version).toBe(0x12);
    expect(walk.result.certificates.map((c) => c.der)).toEqual(FIXTURE_CERTIFICATES);
    expect(walk.nonce).toHaveLength(32);
    expect(walk.signature).toHaveLength(96);
    expect(walk.result.measurements).toHaveLength(4);
  });

  it('should be deterministic: the same nonce and signature on two machines', () => {
    const a = spdmWalk(clientFor('cxl_pci.doe.2').client, { trust: [FIXTURE_ROOT] });
    const b = spdmWalk(clientFor('cxl_pci.doe.2').client, { trust: [FIXTURE_ROOT] });
    expect(b.signature).toEqual(a.signature);
    expect(b.nonce).toEqual(a.nonce);
  });

  it('should refuse a device whose chain does not end at a trusted root (ENOKEY)', () => {
    const { client } = clientFor('cxl_pci.doe.2');
    expect(errnoOf(() => spdmWalk(client, { trust: [FIXTURE_CERTIFICATES[2]!] }))).toBe('ENOKEY');
  });

  it('should fail with EINVAL on a mailbox that does not list CMA/SPDM', () => {
    const { client } = clientFor('cxl_pci.doe.1');
    expect(errnoOf(() => spdmWalk(client, { trust: [FIXTURE_ROOT] }))).toBe('EINVAL');
  });
});
