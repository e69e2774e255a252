/**
 * SPDM from userspace over a DOE mailbox (reference/protocols.md §3): the kernel has already
 * authenticated the device through its CMA/SPDM mailbox when pci_doe bound it; a root tool then
 * takes that mailbox (unbind pci_doe.doe from cxl_pci.doe.2, bind doe_user.doe) and runs its own
 * SPDM walk — version, capabilities, algorithms, digests, the certificate chain, a CHALLENGE
 * whose signature it verifies against its trust anchor, signed measurements — and then
 * establishes its own SPDM session on the same /dev/doe file: KEY_EXCHANGE and FINISH, a
 * HEARTBEAT and END_SESSION as DSP0277 secured messages in Secured CMA/SPDM objects (0001:02),
 * which the mailbox's Discovery lists. With a trust store that does not hold the device's root,
 * the walk fails with ENOKEY.
 *
 * Run: npx tsx examples/spdm-userspace.ts
 */
import { pathToFileURL } from 'node:url';
import { DevDoeTransport, DoeClient, DriverModelError, createMachine, pciCmaResultOf, spdmWalk } from '../src/index.js';
import type { PciDevice } from '../src/pci/index.js';
import { spdm } from '../src/protocols/index.js';

const { FIXTURE_CERTIFICATES, FIXTURE_ROOT } = spdm;

const MAILBOX = 'cxl_pci.doe.2';
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

export function main(print: (line: string) => void = console.log): void {
  const m = createMachine({ presets: ['cxl-type3'], modules: ['doe_user'] });
  m.boot();
  m.advance(1000);
  print(`kernel CMA/SPDM authentication: ${JSON.stringify(pciCmaResultOf(m.findDevice('0000:0d:00.0') as PciDevice))}`);

  const root = m.processes.root;
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', MAILBOX);
  root.writeFile(`/sys/bus/auxiliary/devices/${MAILBOX}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', MAILBOX);
  const tool = m.processes.spawn('spdm-tool', { uid: 0, gid: 0, caps: [] });
  const fd = tool.open(`/dev/doe/${MAILBOX}`, 'rw');
  const doe = new DoeClient(new DevDoeTransport(tool, fd, { sleep: (ms) => void m.advance(ms) }));

  const walk = spdmWalk(doe, { trust: [FIXTURE_ROOT] });
  for (const s of walk.steps) print(`  ${s.request.padEnd(22)} ${hex(s.requestBytes.subarray(0, 4))}… → ${s.responseBytes.length} bytes`);
  print(`chain: ${walk.result.certificates.map((c) => c.subjectText).join(' → ')}`);
  print(`nonce: ${hex(walk.nonce)}`);
  print(`signature (ECDSA P-384 r||s): ${hex(walk.signature)} — verified`);
  for (const meas of walk.result.measurements ?? []) print(`measurement ${meas.index}: ${hex(meas.value)}`);

  print(
    `Discovery through /dev/doe: ${doe
      .discover()
      .map((p) => `${p.vendor.toString(16).padStart(4, '0')}:${p.type.toString(16).padStart(2, '0')}`)
      .join(' ')}`,
  );
  const own = spdmWalk(doe, { trust: [FIXTURE_ROOT], session: true, seed: 'spdm-tool session' });
  for (const s of own.steps.slice(-4)) {
    print(`  ${s.request.padEnd(22)} DOE 0001:0${s.doeType} ${hex(s.requestBytes.subarray(0, 8))}… → ${s.responseBytes.length} bytes`);
  }
  print(`own session 0x${own.session!.sessionId.toString(16)}: established, heartbeat acknowledged, ended`);

  try {
    spdmWalk(doe, { trust: [FIXTURE_CERTIFICATES[2]!] });
  } catch (e) {
    if (!DriverModelError.is(e)) throw e;
    print(`with the leaf as the only trust anchor: ${e.errno}: ${e.message}`);
  }
  tool.close(fd);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
