/**
 * `auxbus spdm serve [--port N] [--preset P] [--doe POLICY] [--raw-config] [--cert-chain DER --key PEM] [--seed S] [--record FILE]`
 *   serves a MACHINE's CMA/SPDM mailbox over DMTF spdm-emu's socket protocol (PCI_DOE), so that
 *   `spdm_requester_emu --trans PCI_DOE --port N` talks to the simulated device: it boots a
 *   machine with the preset (default cxl-type3), lets the kernel's DOE work run (pci_doe's
 *   Discovery, the CDAT read, the kernel's CMA authentication), hands the mailbox to userspace
 *   (unbind pci_doe.doe, bind doe_user.doe, open /dev/doe/<auxdev>; or, with --raw-config, the
 *   function's sysfs `config` file) and passes every DOE object of a NORMAL frame — Discovery,
 *   SPDM, secured SPDM — through the mailbox registers, in virtual time (src/machine/spdm-mailbox.ts).
 *   `--cert-chain` (DER certificates concatenated root-first, libspdm's
 *   bundle_responder.certchain.der layout) and `--key` (PEM or DER EC private key) provision the
 *   device's responder; without them it presents auxbus's own test identity (fixtures/spdm).
 *   `--standalone` serves a bare responder engine instead of a machine (no DOE mailbox).
 *
 * `auxbus spdm connect HOST:PORT [--trust CA.der]... [--ver 1.2] [--no-session] [--continue] [--record FILE]`
 *   runs auxbus's requester against a responder speaking that protocol (e.g. spdm_responder_emu)
 *   and prints what was verified. Exit 0 when authentication (and the session) succeeded, 1 when
 *   the responder failed verification, 2 for bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DriverModelError } from '../base/index.js';
import { crypto, spdm } from '../protocols/index.js';
import { newCommand, runCommand } from './command.js';
import { addRulesOptions, loadRules } from './machine-args.js';
import { type Dispatcher, type VerbTable, dispatch } from './dispatch.js';
import { type CliIo, ExitStatus } from './io.js';
import { type DoePolicy, doePolicies, machineSpdmMailbox, servedProtocols } from '../machine/index.js';
import { connectSpdm, serveSpdm, type RecordedFrame } from './spdm-socket.js';

const { SeededRandom, loadEcPrivateKey, splitConcatenated, toHex } = crypto;
const {
  CapFlag,
  DEFAULT_REQUESTER_FLAGS,
  DEFAULT_RESPONDER_FLAGS,
  FIXTURE_CERTIFICATES,
  FIXTURE_LEAF_KEY,
  FIXTURE_ROOT,
  SpdmResponder,
  keySigner,
  testMeasurements,
  versionText,
} = spdm;
type SpdmSigner = spdm.SpdmSigner;

/** The measurement blocks a standalone responder reports (indices 1–4, SHA-384 digests). */
export const standaloneMeasurements = testMeasurements;

/** A signer that also records each signature it makes (signatures are public; keys never are). */
function recordingSigner(s: SpdmSigner, out: string[]): SpdmSigner {
  return {
    curve: s.curve,
    sign(d) {
      const sig = s.sign(d);
      out.push(toHex(sig));
      return sig;
    },
  };
}

interface ServeOptions {
  port: string;
  host: string;
  certChain?: string;
  key?: string;
  seed?: string;
  record?: string;
  handshakeInClear?: boolean;
  preset: string;
  doe: string;
  rawConfig?: boolean;
  standalone?: boolean;
}

async function serve(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('spdm serve', io))
    .description("serve a machine's CMA/SPDM DOE mailbox over the spdm-emu socket protocol (PCI_DOE)")
    .option('--port <n>', 'TCP port (0 = any free port)', '2323')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--preset <name>', 'the machine preset whose CMA/SPDM mailbox is served', 'cxl-type3')
    .option('--doe <policy>', `DOE mailbox ownership (${doePolicies.join(', ')})`, 'aux-exclusive')
    .option('--raw-config', "drive the mailbox through the function's sysfs config file instead of /dev/doe")
    .option('--cert-chain <der>', "DER certificates concatenated root-first (provisions the device's responder)")
    .option('--key <pem>', 'leaf private key (PEM or DER)')
    .option('--seed <s>', "seed of the responder's deterministic random source (default: the device's own)")
    .option('--standalone', 'serve a bare SPDM responder engine, no machine')
    .option('--handshake-in-clear', 'with --standalone: advertise HANDSHAKE_IN_THE_CLEAR_CAP')
    .option('--record <file>', 'write every frame (and the signatures made) as JSON');
  return runCommand(cmd, argv, io, async () => {
    // --rules are installed in the served machine (they run on its uevents, the hand-off's included); with --standalone only checked.
    const rules = loadRules(cmd.opts<{ rules: string[]; strict?: boolean }>(), io);
    if (typeof rules === 'number') return rules;
    const o = cmd.opts<ServeOptions>();
    if ((o.certChain === undefined) !== (o.key === undefined)) {
      io.stderr('auxbus spdm serve: --cert-chain and --key go together\n');
      return ExitStatus.BAD_INPUT;
    }
    if (!(doePolicies as readonly string[]).includes(o.doe)) {
      io.stderr(`auxbus spdm serve: --doe must be one of ${doePolicies.join(', ')}\n`);
      return ExitStatus.BAD_INPUT;
    }
    if (o.handshakeInClear && !o.standalone) {
      io.stderr('auxbus spdm serve: --handshake-in-clear needs --standalone (the device decides its capabilities)\n');
      return ExitStatus.BAD_INPUT;
    }
    const certificates = o.certChain ? splitConcatenated(readFileSync(resolve(io.cwd, o.certChain))) : FIXTURE_CERTIFICATES;
    const key = o.key ? loadEcPrivateKey(readFileSync(resolve(io.cwd, o.key))) : FIXTURE_LEAF_KEY;
    const signatures: string[] = [];
    const signer = recordingSigner(keySigner(key), signatures);
    const frames: RecordedFrame[] = [];
    if (o.standalone) {
      const seed = o.seed ?? 'auxbus spdm serve';
      const responder = new SpdmResponder({
        certificates,
        signer,
        random: SeededRandom.fromString(seed),
        measurements: standaloneMeasurements(),
        ...(o.handshakeInClear ? { flags: DEFAULT_RESPONDER_FLAGS | CapFlag.HANDSHAKE_IN_THE_CLEAR } : {}),
      });
      const server = await serveSpdm({ port: Number(o.port), host: o.host, responder, frames });
      io.stdout(`auxbus spdm serve: standalone responder listening on ${o.host}:${server.port} (PCI_DOE)\n`);
      await server.done;
      io.stdout(
        `auxbus spdm serve: SHUTDOWN after ${server.platform.stats.frames} frames, ${responder.stats.requests} SPDM requests, ` +
          `${responder.stats.errors} ERROR responses, ${responder.stats.sessionsOpened} session(s) opened, ${responder.stats.sessionsEnded} ended\n`,
      );
      if (o.record) {
        const doc = { tool: 'auxbus spdm serve --standalone', seed, certificates: certificates.map(toHex), signatures, frames };
        writeFileSync(resolve(io.cwd, o.record), `${JSON.stringify(doc, null, 1)}\n`);
      }
      return ExitStatus.OK;
    }
    const mb = machineSpdmMailbox({
      preset: o.preset,
      doe: o.doe as DoePolicy,
      ...(o.rawConfig ? { transport: 'raw-config' as const } : {}),
      identity: { certificates, signer },
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      rules,
    });
    const engine = mb.engine!;
    io.stdout(`auxbus spdm serve: machine with ${o.preset} (${o.doe}), ${mb.bdf} DOE [${mb.capOffset.toString(16)}] lists ${servedProtocols(mb)}\n`);
    io.stdout(`kernel CMA/SPDM authentication at boot: ${mb.kernelCma}\n`);
    for (const line of mb.handOff) io.stdout(`# ${line}\n`);
    const kernelRequests = engine.stats.requests;
    const server = await serveSpdm({ port: Number(o.port), host: o.host, responder: mb.exchange, frames });
    io.stdout(
      `auxbus spdm serve: listening on ${o.host}:${server.port} (PCI_DOE, through ${mb.transport === 'dev-doe' ? `/dev/doe/${mb.auxDevice}` : `${mb.bdf} config`})\n`,
    );
    await server.done;
    io.stdout(
      `auxbus spdm serve: SHUTDOWN after ${server.platform.stats.frames} frames, ${mb.stats.answered} DOE objects answered by the mailbox ` +
        `(${mb.stats.unanswered} not), ${engine.stats.requests - kernelRequests} SPDM requests at the device, ${engine.stats.errors} ERROR responses, ` +
        `${engine.stats.sessionsOpened} session(s) opened, ${engine.stats.sessionsEnded} ended; virtual time ${mb.machine.clock.now()} ms\n`,
    );
    mb.close();
    if (o.record) {
      const doc = {
        tool: 'auxbus spdm serve',
        preset: o.preset,
        doe: o.doe,
        transport: mb.transport,
        seed: o.seed ?? null,
        certificates: certificates.map(toHex),
        signatures,
        frames,
      };
      writeFileSync(resolve(io.cwd, o.record), `${JSON.stringify(doc, null, 1)}\n`);
    }
    return ExitStatus.OK;
  });
}

async function connect(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('spdm connect', io))
    .description('authenticate a responder speaking the spdm-emu socket protocol (PCI_DOE)')
    .argument('<host:port>')
    .option('--trust <der...>', 'trusted root certificate(s), DER (default: auxbus test root)')
    .option('--ver <v>', 'highest SPDM version to speak', '1.2')
    .option('--seed <s>', 'seed of the deterministic random source', 'auxbus spdm connect')
    .option('--no-session', 'authenticate only: no KEY_EXCHANGE')
    .option('--handshake-in-clear', 'advertise HANDSHAKE_IN_THE_CLEAR_CAP (FINISH in the clear when the responder does too)')
    .option('--continue', 'end with CONTINUE instead of SHUTDOWN (the responder keeps running)')
    .option('--record <file>', 'write every frame as JSON');
  return runCommand(cmd, argv, io, () => {
    const rules = loadRules(cmd.opts<{ rules: string[]; strict?: boolean }>(), io);
    if (typeof rules === 'number') return rules;
    const o = cmd.opts<{
      trust?: string[];
      ver: string;
      seed: string;
      session: boolean;
      continue?: boolean;
      record?: string;
      handshakeInClear?: boolean;
    }>();
    const [target] = cmd.args;
    const m = /^(.*):(\d+)$/.exec(target ?? '');
    const ver = /^1\.([0-2])$/.exec(o.ver);
    if (!m || !ver) {
      io.stderr(`auxbus spdm connect: expected HOST:PORT and --ver 1.0|1.1|1.2\n`);
      return ExitStatus.BAD_INPUT;
    }
    const trust = o.trust ? o.trust.map((f) => new Uint8Array(readFileSync(resolve(io.cwd, f)))) : [FIXTURE_ROOT];
    const frames: RecordedFrame[] = [];
    const save = () => {
      if (o.record)
        writeFileSync(
          resolve(io.cwd, o.record),
          `${JSON.stringify({ tool: 'auxbus spdm connect', seed: o.seed, version: o.ver, frames }, null, 1)}\n`,
        );
    };
    try {
      const r = connectSpdm({
        host: m[1]!,
        port: Number(m[2]),
        trust,
        version: 0x10 | Number(ver[1]),
        seed: o.seed,
        session: o.session,
        keepResponder: o.continue ?? false,
        frames,
        ...(o.handshakeInClear ? { requesterFlags: DEFAULT_REQUESTER_FLAGS | CapFlag.HANDSHAKE_IN_THE_CLEAR } : {}),
      });
      save();
      const a = r.auth;
      io.stdout(
        `DOE discovery: ${r.discovered.map((d) => `${d.vendor.toString(16).padStart(4, '0')}:${d.type.toString(16).padStart(2, '0')}`).join(' ')}\n`,
      );
      io.stdout(
        `SPDM ${versionText(a.version)}, BaseAsym 0x${a.algorithms.baseAsym.toString(16)}, BaseHash 0x${a.algorithms.baseHash.toString(16)}, responder flags 0x${a.responderFlags.toString(16)}\n`,
      );
      a.certificates.forEach((c, i) => io.stdout(`certificate ${i}: ${c.subjectText}${c.isCa ? ' (CA)' : ''}\n`));
      io.stdout(`CHALLENGE_AUTH signature verified with the leaf key\n`);
      if (a.measurements) io.stdout(`MEASUREMENTS: ${a.measurements.length} blocks, signature verified\n`);
      if (r.session) {
        const upd = a.responderFlags & CapFlag.KEY_UPD ? ', KEY_UPDATE (key, all keys), HEARTBEAT' : '';
        io.stdout(`session 0x${r.session.sessionId.toString(16)}: KEY_EXCHANGE, FINISH, HEARTBEAT${upd}, END_SESSION ok\n`);
      }
      return ExitStatus.OK;
    } catch (e) {
      save();
      if (DriverModelError.is(e)) {
        io.stderr(`auxbus spdm connect: ${e.message} (${e.errno})\n`);
        return ExitStatus.FAILED;
      }
      throw e;
    }
  });
}

const spdmVerbs: VerbTable = [
  { name: 'serve', summary: "serve a machine's CMA/SPDM DOE mailbox over the spdm-emu socket protocol (PCI_DOE)", run: serve },
  { name: 'connect', summary: 'authenticate a responder at HOST:PORT (and open a session)', run: connect },
];

const spdmDispatcher: Dispatcher = {
  prog: 'auxbus spdm',
  description: "CMA/SPDM over DMTF spdm-emu's socket protocol (TCP, 12-byte frames, PCI_DOE transport).\n\n",
  unknownVerb: (name) => `auxbus spdm: unknown verb '${name}' (try 'auxbus spdm --help')`,
  verbs: spdmVerbs,
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  return dispatch(spdmDispatcher, argv, io);
}
