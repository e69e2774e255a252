/**
 * Turns the raw `--record` files of tools/spdm-interop/record.sh into the replay fixtures
 * test/protocols/spdm/fixtures/interop-*.json (frames, signatures, the seed, the command lines,
 * the exit statuses and the spdm-emu commits). Nothing secret is written: frames and signatures
 * are public, and the key stays where it was loaded from.
 *   npx tsx tools/spdm-interop/assemble.ts OUTDIR VERSIONS.txt CA.der A_REQ A_SRV B_CON B_RSP
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir, versions, ca, aReq, aSrv, bCon, bRsp] = process.argv.slice(2);
if (!dir || !versions || !ca) throw new Error('usage: assemble.ts OUTDIR VERSIONS.txt CA.der A_REQ A_SRV B_CON B_RSP');
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'protocols', 'spdm', 'fixtures');
const spdmEmu = existsSync(versions) ? readFileSync(versions, 'utf8').trim().split('\n') : [];
const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
const b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));

writeFileSync(
  join(fixtures, 'interop-a-requester-emu.json'),
  `${JSON.stringify(
    {
      what: 'DMTF spdm_requester_emu (the real one) against auxbus spdm serve; frames as seen by auxbus (rx = from spdm_requester_emu, tx = auxbus replies)',
      commands: [
        'auxbus spdm serve --port 2323 --cert-chain ecp384/bundle_responder.certchain.der --key ecp384/end_responder.key --seed "auxbus interop a" --record a.json',
        'spdm_requester_emu --trans PCI_DOE --ver 1.2 --exe_conn DIGEST,CERT,CHAL,MEAS --meas_op ALL --exe_session KEY_EX,HEARTBEAT',
      ],
      exit: { spdm_requester_emu: Number(aReq), 'auxbus spdm serve': Number(aSrv) },
      spdmEmu,
      note: "libspdm's sample ECDSA P-384 chain (public sample data) was served; its private key was loaded at run time and is not recorded. 'signatures' are the signatures auxbus made with it, in order, so a replay can check them against the leaf certificate instead of re-signing.",
      seed: a.seed,
      certificates: a.certificates,
      signatures: a.signatures,
      frames: a.frames,
    },
    null,
    1,
  )}\n`,
);
writeFileSync(
  join(fixtures, 'interop-b-responder-emu.json'),
  `${JSON.stringify(
    {
      what: 'auxbus spdm connect against DMTF spdm_responder_emu (the real one); frames as seen by auxbus (tx = auxbus requests, rx = spdm_responder_emu replies)',
      commands: ['spdm_responder_emu --trans PCI_DOE --ver 1.2', 'auxbus spdm connect 127.0.0.1:2323 --trust ecp384/ca.cert.der --ver 1.2 --record b.json'],
      exit: { 'auxbus spdm connect': Number(bCon), spdm_responder_emu: Number(bRsp) },
      spdmEmu,
      trust: [Buffer.from(readFileSync(ca)).toString('hex')],
      seed: b.seed,
      version: b.version,
      frames: b.frames,
    },
    null,
    1,
  )}\n`,
);
console.log(`fixtures written: ${a.frames.length} + ${b.frames.length} frames`);
