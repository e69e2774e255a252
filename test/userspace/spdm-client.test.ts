/**
 * The userspace SPDM walk over /dev/doe (issue #7 "Userspace tools"): the whole walk verifies
 * the chain and the signatures; a trust store without the device's root fails with ENOKEY and
 * the engine's precise message; a mailbox that is not CMA/SPDM fails at the DOE layer.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/machine/index.js';
import { FIXTURE_CERTIFICATES, FIXTURE_ROOT } from '../../src/protocols/spdm/fixture-identity.js';
import { DevDoeTransport, DoeClient, type Process, spdmWalk } from '../../src/userspace/index.js';
import { doeProtocols } from '../../src/protocols/index.js';
import { bootMachine, errnoOf } from '../support/pci-machine.js';

function clientFor(device: string): { m: Machine; client: DoeClient; tool: Process; fd: number } {
  const m = bootMachine({ presets: ['cxl-type3'], modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
  m.advance(500);
  const root = m.processes.root;
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', device);
  root.writeFile(`/sys/bus/auxiliary/devices/${device}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', device);
  const tool = m.processes.spawn('spdm-tool', { uid: 0, gid: 0, caps: [] });
  const fd = tool.open(`/dev/doe/${device}`, 'rw');
  return { m, tool, fd, client: new DoeClient(new DevDoeTransport(tool, fd, { sleep: (ms) => void m.advance(ms) })) };
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

  it('should list Secured CMA/SPDM (0001:02) in the mailbox Discovery it reaches through /dev/doe', () => {
    const { client, tool, fd } = clientFor('cxl_pci.doe.2');
    expect(client.discover()).toEqual([doeProtocols.DISCOVERY, doeProtocols.CMA_SPDM, doeProtocols.SECURED_CMA_SPDM]);
    // doe_user's own kernel mailbox cached the same table (DOE_IOC_FEATURES).
    expect(tool.ioctl(fd, 'DOE_IOC_FEATURES')).toEqual({ features: [doeProtocols.DISCOVERY, doeProtocols.CMA_SPDM, doeProtocols.SECURED_CMA_SPDM] });
  });

  it('should establish its own session over /dev/doe after the hand-off: KEY_EXCHANGE, FINISH, HEARTBEAT and END_SESSION as secured messages', () => {
    const { client } = clientFor('cxl_pci.doe.2');
    const walk = spdmWalk(client, { trust: [FIXTURE_ROOT], session: true });
    expect(walk.session).toEqual({ sessionId: 0xffffffff, heartbeatPeriod: expect.any(Number), securedMessageVersion: 0x1200 });
    const tail = walk.steps.slice(-4);
    expect(tail.map((st) => [st.request, st.doeType])).toEqual([
      ['KEY_EXCHANGE', 1],
      ['secured FINISH', 2],
      ['secured HEARTBEAT', 2],
      ['secured END_SESSION', 2],
    ]);
    // DSP0277 records of the PCI-DOE binding: session id, length, then ciphertext and MAC; no sequence number.
    for (const st of tail.slice(1)) {
      expect([...st.requestBytes.subarray(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
      const length = st.requestBytes[4]! | (st.requestBytes[5]! << 8);
      expect(length).toBe(st.requestBytes.length - 6);
      expect([...st.responseBytes.subarray(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    }
    // The plaintext HEARTBEAT code (0xe8) does not show on the wire.
    expect(tail[2]!.requestBytes[7]).not.toBe(0xe8);
  });

  it('should open a second session after END_SESSION on the same open file', () => {
    const { client } = clientFor('cxl_pci.doe.2');
    const a = spdmWalk(client, { trust: [FIXTURE_ROOT], session: true, seed: 'first' });
    const b = spdmWalk(client, { trust: [FIXTURE_ROOT], session: true, seed: 'second' });
    expect(a.session!.sessionId).toBe(0xffffffff);
    // A new requester starts again at ReqSessionID 0xFFFF; the device's RspSessionID counts down (as libspdm's).
    expect(b.session!.sessionId).toBe(0xfffeffff);
  });

  it('should get no answer to a secured record for a session that does not exist: the kernel times out, read gives EIO', () => {
    const { m, tool, fd } = clientFor('cxl_pci.doe.2');
    tool.ioctl(fd, 'DOE_IOC_SUBMIT', { vendor: 1, type: 2, payload: Uint8Array.from([0x78, 0x56, 0x34, 0x12, 0x12, 0x00, ...new Uint8Array(18)]) });
    m.advance(2500);
    expect(errnoOf(() => tool.ioctl(fd, 'DOE_IOC_RESULT'))).toBe('EIO');
  });
});
