/**
 * Node-only TCP plumbing for DMTF spdm-emu's platform protocol (src/protocols/spdm/emu-platform.ts):
 *
 * - `serveSpdm({ port, responder })`: a server that DMTF's `spdm_requester_emu --trans PCI_DOE`
 *   can talk to, in front of an SPDM engine or a machine's DOE mailbox. One connection at a time, like spdm_responder_emu; SHUTDOWN closes the server,
 *   CONTINUE keeps it accepting.
 * - `connectSpdm({ host, port, trust, version })`: runs auxbus's (synchronous) SPDM requester
 *   against any responder that speaks the protocol, e.g. `spdm_responder_emu --trans PCI_DOE`.
 *
 * The requester engine is synchronous (it also runs on the deterministic scheduler), so the client
 * blocks on a socket through a worker thread: the worker owns the socket, the main thread posts a
 * frame to it and sleeps in Atomics.wait until the worker has put the answer in shared memory.
 * Both sides can record every frame (hex) for replay tests.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Worker } from 'node:worker_threads';
import { DriverModelError, kerr } from '../base/index.js';
import { crypto, spdm, type DoeProtocolResponder } from '../protocols/index.js';

const { SeededRandom, toHex } = crypto;
const {
  CapFlag,
  EmuCommand,
  EmuTransport,
  FrameSplitter,
  SpdmEmuPlatformServer,
  SpdmRequester,
  SpdmResponder,
  SpdmVersion,
  decodeDoe,
  encodeDoe,
  encodeFrame,
  spdmDoeResponders,
} = spdm;
type RandomSource = crypto.RandomSource;
type AuthenticationResult = spdm.AuthenticationResult;
type EmuFrame = spdm.EmuFrame;
type SpdmSessionInfo = spdm.SpdmSessionInfo;
type SpdmResponder = spdm.SpdmResponder;
type SpdmEmuPlatformServer = spdm.SpdmEmuPlatformServer;

/** One recorded frame: direction from the recorder's point of view, command, transport, payload hex. */
export interface RecordedFrame {
  readonly dir: 'rx' | 'tx';
  readonly command: number;
  readonly transport: number;
  readonly payload: string;
}

function record(log: RecordedFrame[] | undefined, dir: 'rx' | 'tx', f: EmuFrame): void {
  log?.push({ dir, command: f.command, transport: f.transport, payload: toHex(f.payload) });
}

// ---------------------------------------------------------------- server

export interface ServeSpdmOptions {
  readonly port: number;
  readonly host?: string;
  /**
   * An SPDM engine (served as DOE types 1 and 2), DOE protocol responders to serve as they are,
   * or a DOE object exchange (a machine's mailbox: src/machine/spdm-mailbox.ts).
   */
  readonly responder: SpdmResponder | readonly DoeProtocolResponder[] | spdm.DoeObjectExchange;
  /** Every frame in and out is appended here. */
  readonly frames?: RecordedFrame[];
}

export interface SpdmServer {
  readonly port: number;
  /** Resolves when a SHUTDOWN frame has been answered (or the server was closed). */
  readonly done: Promise<void>;
  readonly platform: SpdmEmuPlatformServer;
  close(): Promise<void>;
}

export async function serveSpdm(o: ServeSpdmOptions): Promise<SpdmServer> {
  const responders = o.responder instanceof SpdmResponder ? spdmDoeResponders(o.responder) : o.responder;
  const platform = new SpdmEmuPlatformServer(responders);
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const server: Server = createServer({ allowHalfOpen: false }, (sock) => {
    const split = new FrameSplitter();
    sock.on('data', (chunk) => {
      let frames: EmuFrame[];
      try {
        frames = split.push(new Uint8Array(chunk));
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        record(o.frames, 'rx', f);
        const r = platform.handle(f);
        if (r.frame) {
          record(o.frames, 'tx', r.frame);
          sock.write(encodeFrame(r.frame));
        }
        if (r.action === 'shutdown') {
          sock.end();
          server.close(() => finish());
          return;
        }
        if (r.action === 'continue') {
          sock.end();
          return;
        }
      }
    });
    sock.on('error', () => sock.destroy());
  });
  server.maxConnections = 1;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    done,
    platform,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          finish();
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------- synchronous client socket

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const ctrl = new Int32Array(workerData.ctrl);
const data = new Uint8Array(workerData.data);
let buf = Buffer.alloc(0);
let want = -1;
function answer(state, bytes) {
  // a close or error never overwrites an answer the main thread has not read yet
  if (state === 2 && Atomics.load(ctrl, 0) !== 0) return;
  if (bytes.length > data.length) { state = 2; bytes = Buffer.from('answer too large'); }
  data.set(bytes, 0);
  Atomics.store(ctrl, 1, bytes.length);
  Atomics.store(ctrl, 0, state);
  Atomics.notify(ctrl, 0);
}
const sock = net.connect({ host: workerData.host, port: workerData.port });
sock.setNoDelay(true);
sock.on('connect', () => answer(1, Buffer.alloc(0)));
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 12) {
    const size = buf.readUInt32BE(8);
    if (buf.length < 12 + size) break;
    const frame = buf.subarray(0, 12 + size);
    buf = buf.subarray(12 + size);
    answer(1, frame);
  }
});
sock.on('error', (e) => answer(2, Buffer.from(String(e.code || e.message))));
sock.on('close', () => answer(2, Buffer.from('connection closed')));
parentPort.on('message', (m) => {
  if (m === 'close') { sock.end(); sock.destroy(); parentPort.close(); return; }
  sock.write(Buffer.from(m));
});
`;

/** A blocking frame transport over TCP (see the file comment). */
export class SyncFrameSocket {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private readonly data = new Uint8Array(new SharedArrayBuffer(1 << 20));
  private readonly worker: Worker;

  constructor(
    host: string,
    port: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { host, port, ctrl: this.ctrl.buffer, data: this.data.buffer } });
    this.worker.unref();
    this.wait('connect');
  }

  private wait(what: string): Uint8Array {
    const r = Atomics.wait(this.ctrl, 0, 0, this.timeoutMs);
    if (r === 'timed-out') throw kerr('ETIMEDOUT', `spdm-emu socket: no ${what} within ${this.timeoutMs} ms`);
    const state = Atomics.load(this.ctrl, 0);
    const len = Atomics.load(this.ctrl, 1);
    const bytes = this.data.slice(0, len);
    Atomics.store(this.ctrl, 0, 0);
    if (state === 2) {
      const msg = new TextDecoder().decode(bytes);
      throw kerr(msg === 'ECONNREFUSED' ? 'ECONNREFUSED' : 'EIO', `spdm-emu socket: ${msg}`);
    }
    return bytes;
  }

  /** Send one frame and block until one frame comes back. */
  transact(f: EmuFrame): EmuFrame {
    this.worker.postMessage(encodeFrame(f));
    const b = this.wait('answer');
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { command: view.getUint32(0), transport: view.getUint32(4), payload: b.slice(12) };
  }

  close(): void {
    this.worker.postMessage('close');
  }
}

// ---------------------------------------------------------------- client

export interface ConnectSpdmOptions {
  readonly host: string;
  readonly port: number;
  /** Trusted root certificates (DER). */
  readonly trust: readonly Uint8Array[];
  /** Highest version to speak (version byte, e.g. 0x12). Default 0x12. */
  readonly version?: number;
  /** Seed of the requester's deterministic random source. */
  readonly seed?: string;
  /** Also open a session, heartbeat, and end it. Default true when the responder has KEY_EX_CAP. */
  readonly session?: boolean;
  /** End with CONTINUE (the responder keeps running) instead of SHUTDOWN. */
  readonly keepResponder?: boolean;
  readonly frames?: RecordedFrame[];
  /** GET_CAPABILITIES flags of the requester (default DEFAULT_REQUESTER_FLAGS). */
  readonly requesterFlags?: number;
  /** Transport factory, for tests and replays. Default: a SyncFrameSocket to host:port. */
  readonly transport?: (host: string, port: number) => { transact(f: EmuFrame): EmuFrame; close(): void };
}

export interface ConnectSpdmResult {
  readonly discovered: { vendor: number; type: number }[];
  readonly auth: AuthenticationResult;
  readonly session: SpdmSessionInfo | undefined;
}

/** A frame-level client: TEST, DOE Discovery, then the requester over NORMAL frames. */
export function runSpdmClient(o: ConnectSpdmOptions & { random?: RandomSource }): ConnectSpdmResult {
  const sock = (o.transport ?? ((h, p) => new SyncFrameSocket(h, p)))(o.host, o.port);
  const t = EmuTransport.PCI_DOE;
  const transact = (f: EmuFrame): EmuFrame => {
    record(o.frames, 'tx', f);
    const r = sock.transact(f);
    record(o.frames, 'rx', r);
    if (r.transport !== t) throw kerr('EPROTO', `spdm-emu: answer transport ${r.transport} is not PCI_DOE`);
    return r;
  };
  const doe = (type: number, body: Uint8Array): Uint8Array => {
    const r = transact({ command: EmuCommand.NORMAL, transport: t, payload: encodeDoe(1, type, body) });
    const obj = decodeDoe(r.payload);
    if (obj.vendor !== 1 || obj.type !== type) throw kerr('EPROTO', `DOE answer ${obj.vendor}:${obj.type} for request 1:${type}`);
    return obj.body;
  };
  const session = (): ConnectSpdmResult => {
    transact({ command: EmuCommand.TEST, transport: t, payload: new TextEncoder().encode('Client Hello!\0') });
    const discovered: { vendor: number; type: number }[] = [];
    for (let index = 0; index < 6;) {
      const b = doe(0, Uint8Array.of(index, 0, 0, 0));
      if (b.length < 4) throw kerr('EIO', 'DOE Discovery: truncated response');
      discovered.push({ vendor: b[0]! | (b[1]! << 8), type: b[2]! });
      if (b[3] === 0) break;
      index = b[3]!;
    }
    const max = o.version ?? SpdmVersion.V12;
    const req = new SpdmRequester({
      exchange: (type, payload) => doe(type, payload),
      random: o.random ?? SeededRandom.fromString(o.seed ?? 'auxbus spdm connect'),
      trust: o.trust,
      versions: [SpdmVersion.V10, SpdmVersion.V11, SpdmVersion.V12].filter((v) => v <= max),
      ...(o.requesterFlags === undefined ? {} : { flags: o.requesterFlags }),
    });
    const auth = req.authenticate();
    let info: SpdmSessionInfo | undefined;
    if ((o.session ?? true) && auth.algorithms.dhe !== 0 && auth.version >= SpdmVersion.V11) {
      info = req.openSession();
      req.heartbeat();
      if (auth.responderFlags & CapFlag.KEY_UPD) {
        req.keyUpdate(false);
        req.keyUpdate(true);
        req.heartbeat();
      }
      req.endSession();
    }
    return { discovered, auth, session: info };
  };
  // Always end with SHUTDOWN (or CONTINUE): a bare close kills spdm_responder_emu. The first
  // failure wins; a responder that closes instead of answering SHUTDOWN is not one.
  let result: ConnectSpdmResult | undefined;
  let failure: unknown;
  try {
    result = session();
  } catch (e) {
    failure = e;
  }
  try {
    transact({ command: o.keepResponder ? EmuCommand.CONTINUE : EmuCommand.SHUTDOWN, transport: t, payload: new Uint8Array(0) });
  } catch (e) {
    if (failure === undefined && !DriverModelError.is(e)) failure = e;
  }
  sock.close();
  if (failure !== undefined || result === undefined) throw failure;
  return result;
}

/** `auxbus spdm connect`: authenticate (and open a session with) a responder at host:port. */
export function connectSpdm(o: ConnectSpdmOptions): ConnectSpdmResult {
  return runSpdmClient(o);
}
