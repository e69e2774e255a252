/**
 * Turns one raw `--record` file of tools/spdm-interop/record.sh into a replay fixture,
 * test/protocols/spdm/fixtures/interop-NAME.json: frames, signatures, the seed, the options, the
 * command lines, the exit statuses and the spdm-emu commits. Nothing secret is written: frames
 * and signatures are public, and the key stays where it was loaded from.
 *   npx tsx tools/spdm-interop/assemble.ts a|b NAME RAW.json VERSIONS.txt CA.der|- EXIT1 EXIT2 CMD1 CMD2
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [kind, name, raw, versions, ca, exit1, exit2, rawCmd1, rawCmd2] = process.argv.slice(2);
/** Paths into spdm-emu's build/bin shown relative to it (where the programs run). */
const rel = (c: string | undefined) => c?.replace(/\S*\/(ecp\d+\/)/g, '$1');
const cmd1 = rel(rawCmd1);
const cmd2 = rel(rawCmd2);
if ((kind !== 'a' && kind !== 'b') || !name || !raw || !versions || !ca || !cmd1 || !cmd2) {
  throw new Error('usage: assemble.ts a|b NAME RAW.json VERSIONS.txt CA.der|- EXIT1 EXIT2 CMD1 CMD2');
}
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'protocols', 'spdm', 'fixtures');
const spdmEmu = existsSync(versions) ? readFileSync(versions, 'utf8').trim().split('\n') : [];
const rec = JSON.parse(readFileSync(raw, 'utf8'));
const handshakeInClear = /--handshake-in-clear/.test(kind === 'a' ? cmd1 : cmd2);

const machine = rec.tool === 'auxbus spdm serve';
const doc =
  kind === 'a'
    ? {
        what: machine
          ? "DMTF spdm_requester_emu (the real one) against auxbus spdm serve: a machine's CMA/SPDM DOE mailbox; frames as seen by auxbus (rx = from spdm_requester_emu, tx = the mailbox's answers)"
          : 'DMTF spdm_requester_emu (the real one) against auxbus spdm serve --standalone; frames as seen by auxbus (rx = from spdm_requester_emu, tx = auxbus replies)',
        commands: [cmd1, cmd2],
        exit: { 'auxbus spdm serve': Number(exit2), spdm_requester_emu: Number(exit1) },
        spdmEmu,
        note: "libspdm's sample ECDSA P-384 chain (public sample data) was served; its private key was loaded at run time and is not recorded. 'signatures' are the signatures auxbus made with it, in order, so a replay can check them against the leaf certificate instead of re-signing.",
        handshakeInClear,
        ...(machine ? { preset: rec.preset, doe: rec.doe, transport: rec.transport } : {}),
        seed: rec.seed,
        certificates: rec.certificates,
        signatures: rec.signatures,
        frames: rec.frames,
      }
    : {
        what: 'auxbus spdm connect against DMTF spdm_responder_emu (the real one); frames as seen by auxbus (tx = auxbus requests, rx = spdm_responder_emu replies)',
        commands: [cmd1, cmd2],
        exit: { 'auxbus spdm connect': Number(exit1), spdm_responder_emu: Number(exit2) },
        spdmEmu,
        handshakeInClear,
        trust: [Buffer.from(readFileSync(ca)).toString('hex')],
        seed: rec.seed,
        version: rec.version,
        frames: rec.frames,
      };
writeFileSync(join(fixtures, `interop-${name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
console.log(`interop-${name}.json: ${rec.frames.length} frames`);
