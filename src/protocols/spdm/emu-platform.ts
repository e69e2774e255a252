/**
 * DMTF spdm-emu's socket "platform" protocol with the PCI_DOE transport (shared/tools/spdm-emu
 * README §3; spdm-emu spdm_emu_common/command.h, LIBSPDM libspdm_pci_doe_{en,de}code_message):
 *
 *   frame = u32be command | u32be transport_type (PCI_DOE = 2) | u32be payload_size | payload
 *   NORMAL payload = a DOE data object: u16le vendor 0x0001 | u8 type | u8 0 | u32le length in DW
 *   (bits 17:0, 0 meaning 2^18) | body zero-padded to a dword.
 *
 * This file is the pure, synchronous part: frame and DOE codecs, a streaming frame splitter, the
 * server-side frame handler (TEST, DOE Discovery, SPDM, secured SPDM, SHUTDOWN, CONTINUE, OOB
 * hints, UNKNOWN) and the client-side DOE wrapping. The TCP plumbing is Node-only (src/cli).
 */
import { kerr } from '../../base/index.js';
import { concatBytes, readU16le, readU32le, u16le, u32le } from '../crypto/index.js';
import type { DoeProtocolResponder } from '../doe/responder.js';

export const EmuCommand = {
  NORMAL: 0x0001,
  OOB_ENCAP_KEY_UPDATE: 0x8001,
  OOB_ENCAP_ENDPOINT_INFO: 0x8002,
  CONTINUE: 0xfffd,
  SHUTDOWN: 0xfffe,
  UNKNOWN: 0xffff,
  TEST: 0xdead,
} as const;

export const EmuTransport = { NONE: 0, MCTP: 1, PCI_DOE: 2, TCP: 3 } as const;

export interface EmuFrame {
  readonly command: number;
  readonly transport: number;
  readonly payload: Uint8Array;
}

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function readBe32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function encodeFrame(f: EmuFrame): Uint8Array {
  return concatBytes(be32(f.command), be32(f.transport), be32(f.payload.length), f.payload);
}

/** Largest payload accepted in one frame (libspdm's 0x28000 MaxSPDMmsgSize plus headers, rounded up). */
export const MAX_FRAME_PAYLOAD = 0x40000;

/** Splits a byte stream into frames. EMSGSIZE for a frame larger than MAX_FRAME_PAYLOAD. */
export class FrameSplitter {
  private buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): EmuFrame[] {
    this.buf = concatBytes(this.buf, chunk);
    const out: EmuFrame[] = [];
    for (;;) {
      if (this.buf.length < 12) break;
      const size = readBe32(this.buf, 8);
      if (size > MAX_FRAME_PAYLOAD) throw kerr('EMSGSIZE', `spdm-emu frame of ${size} bytes`);
      if (this.buf.length < 12 + size) break;
      out.push({ command: readBe32(this.buf, 0), transport: readBe32(this.buf, 4), payload: this.buf.slice(12, 12 + size) });
      this.buf = this.buf.slice(12 + size);
    }
    return out;
  }

  get pending(): number {
    return this.buf.length;
  }
}

// ---------------------------------------------------------------- DOE objects

export interface DoeObject {
  readonly vendor: number;
  readonly type: number;
  /** Body including any dword padding. */
  readonly body: Uint8Array;
}

/** Wrap a body into a DOE data object: zero-pad to a dword, length in DW (0 for 2^18). */
export function encodeDoe(vendor: number, type: number, body: Uint8Array): Uint8Array {
  const padded = Math.ceil(body.length / 4) * 4;
  const dw = (8 + padded) / 4;
  const out = new Uint8Array(8 + padded);
  out.set(u16le(vendor), 0);
  out[2] = type;
  out[3] = 0;
  out.set(u32le(dw === 0x40000 ? 0 : dw), 4);
  out.set(body, 8);
  return out;
}

/**
 * Parse a DOE object the way libspdm_pci_doe_decode_message checks it (protocols §3.1), generalised
 * to any vendor: at least 8 bytes, reserved byte 0, length < 2^18 DW (0 = 2^18), length x 4 equal
 * to the object's size exactly. EPROTO otherwise.
 */
export function decodeDoe(obj: Uint8Array): DoeObject {
  if (obj.length < 8) throw kerr('EPROTO', `DOE object of ${obj.length} bytes is shorter than its header`);
  const vendor = readU16le(obj, 0);
  const type = obj[2]!;
  if (obj[3] !== 0) throw kerr('EPROTO', `DOE object: reserved byte is 0x${obj[3]!.toString(16)}`);
  const raw = readU32le(obj, 4);
  if (raw & ~0x3ffff) throw kerr('EPROTO', `DOE object: length field 0x${raw.toString(16)} has reserved bits set`);
  const dw = raw === 0 ? 0x40000 : raw;
  if (dw * 4 !== obj.length) throw kerr('EPROTO', `DOE object: length ${dw} DW is not the ${obj.length} bytes carried`);
  return { vendor, type, body: obj.slice(8) };
}

// ---------------------------------------------------------------- server side

/** What the server loop does after sending a reply. */
export type EmuAction = 'reply' | 'shutdown' | 'continue';

export interface EmuReply {
  readonly frame: EmuFrame | undefined;
  readonly action: EmuAction;
}

/**
 * Where a server sends the DOE objects of NORMAL frames: a whole request object (header included,
 * already checked by decodeDoe) in, the whole response object out, or undefined when nothing
 * answers (the device dropped it, the mailbox failed).
 */
export type DoeObjectExchange = (request: Uint8Array, decoded: DoeObject) => Uint8Array | undefined;

/**
 * A DoeObjectExchange over protocol responders, as spdm_responder_emu answers: DOE Discovery
 * (vendor 1 type 0) lists Discovery itself and then every responder, in order ((1,0,next 1),
 * (1,1,next 2), (1,2,next 0)); an index past the end answers FFFF:FF with next 0 (spdm-emu
 * itself sends nothing there). Any other object goes to the responder of its protocol.
 */
export function respondersExchange(responders: readonly DoeProtocolResponder[]): DoeObjectExchange {
  const protocols: { vendor: number; type: number }[] = [{ vendor: 1, type: 0 }, ...responders.map((r) => ({ vendor: r.vendor, type: r.type }))];
  const discovery = (body: Uint8Array): Uint8Array => {
    const index = body[0] ?? 0;
    const entry = protocols[index];
    if (!entry) return concatBytes(u16le(0xffff), Uint8Array.of(0xff, 0));
    const next = index + 1 < protocols.length ? index + 1 : 0;
    return concatBytes(u16le(entry.vendor), Uint8Array.of(entry.type, next));
  };
  return (_request, obj) => {
    const body =
      obj.vendor === 1 && obj.type === 0
        ? discovery(obj.body)
        : responders.find((r) => r.vendor === obj.vendor && r.type === obj.type)?.respond(obj.body);
    return body === undefined ? undefined : encodeDoe(obj.vendor, obj.type, body);
  };
}

/**
 * The responder half of the platform protocol, one frame in, at most one frame out: TEST,
 * SHUTDOWN, CONTINUE and the OOB hints are answered here; a NORMAL frame's DOE object goes to the
 * `exchange` (protocol responders, as spdm_responder_emu, or a machine's DOE mailbox). A frame
 * whose object nothing answers (malformed, dropped) gets an empty NORMAL payload, as spdm-emu's
 * responder does when it has no reply.
 */
export class SpdmEmuPlatformServer {
  readonly stats = { frames: 0, normal: 0, dropped: 0 };
  private readonly exchange: DoeObjectExchange;

  constructor(backend: readonly DoeProtocolResponder[] | DoeObjectExchange) {
    this.exchange = typeof backend === 'function' ? backend : respondersExchange(backend);
  }

  handle(frame: EmuFrame): EmuReply {
    this.stats.frames++;
    const t = EmuTransport.PCI_DOE;
    switch (frame.command) {
      case EmuCommand.TEST:
        return { frame: { command: EmuCommand.TEST, transport: t, payload: new TextEncoder().encode('Server Hello!\0') }, action: 'reply' };
      case EmuCommand.SHUTDOWN:
        return { frame: { command: EmuCommand.SHUTDOWN, transport: t, payload: new Uint8Array(0) }, action: 'shutdown' };
      case EmuCommand.CONTINUE:
        return { frame: { command: EmuCommand.CONTINUE, transport: t, payload: new Uint8Array(0) }, action: 'continue' };
      case EmuCommand.OOB_ENCAP_KEY_UPDATE:
      case EmuCommand.OOB_ENCAP_ENDPOINT_INFO:
        return { frame: { command: frame.command, transport: t, payload: new Uint8Array(0) }, action: 'reply' };
      case EmuCommand.NORMAL:
        break;
      default:
        return { frame: { command: EmuCommand.UNKNOWN, transport: t, payload: new Uint8Array(0) }, action: 'reply' };
    }
    this.stats.normal++;
    const empty: EmuReply = { frame: { command: EmuCommand.NORMAL, transport: t, payload: new Uint8Array(0) }, action: 'reply' };
    if (frame.transport !== t) {
      this.stats.dropped++;
      return empty;
    }
    let obj: DoeObject;
    try {
      obj = decodeDoe(frame.payload);
    } catch {
      this.stats.dropped++;
      return empty;
    }
    const answer = this.exchange(frame.payload, obj);
    if (answer === undefined) {
      this.stats.dropped++;
      return empty;
    }
    return { frame: { command: EmuCommand.NORMAL, transport: t, payload: answer }, action: 'reply' };
  }
}
