/**
 * The primary mailbox of the `cxl-type3` preset (CXL r3.x §8.2.8.4, the registers BAR2 carries)
 * at the level of commands: an opcode and an input payload in, a return code and an output
 * payload out, never more than the payload size (2^11 = 2048 bytes, as QEMU's). It answers the
 * log commands (Get Supported Logs with the Command Effects Log, Get Log) and the Features
 * commands over the preset's three features (DESIGN.md §4 "CXL features"), and Identify;
 * everything else is Unsupported (3). Return codes stay at or below 30, which Linux can map.
 */
import {
  CXL_CEL_ENTRY_SIZE,
  CXL_CEL_UUID,
  CXL_FEAT_ENTRY_SIZE,
  CXL_GET_FEAT_IN_SIZE,
  CXL_GET_SUP_FEATS_IN_SIZE,
  CXL_GET_SUP_FEATS_OUT_HDR,
  CXL_LOG_ENTRY_SIZE,
  CXL_SET_FEAT_HDR_SIZE,
  type CxlFeatEntry,
  cxlCmdEffects as E,
  cxlFeatureFlags as F,
  cxlGetFeatSelection,
  cxlKernelExclusiveFeatures,
  cxlOpcodes as OP,
  cxlRc,
  cxlSetFeatFlags,
  cxlLe16,
  cxlLe32,
  cxlPutLe16,
  cxlPutLe32,
  encodeFeatEntryInto,
  uuidBytes,
  uuidEquals,
  uuidString,
} from '../../protocols/index.js';

/** The CEL's UUID as the Get Supported Logs entry and a Get Log input carry it; never handed out. */
const CEL_UUID_BYTES = uuidBytes(CXL_CEL_UUID);

export interface CxlMailboxReply {
  /** The return code (Status register bits 47:32). */
  readonly rc: number;
  /** Output payload; its length is the payload length the device reported. */
  readonly out: Uint8Array;
}

/** One feature as the device keeps it. */
export interface CxlDeviceFeature {
  readonly entry: CxlFeatEntry;
  current: Uint8Array;
  readonly defaults: Uint8Array;
  saved: Uint8Array;
}

/** A command the device lists in its CEL, with its effects. */
export interface CxlCelEntry {
  readonly opcode: number;
  readonly effects: number;
}

/** This model's vendor features (UUIDs of its own; not CXL-defined). */
export const CXL_TYPE3_FEATURE_UUIDS = {
  /** Takes effect after a cold or conventional reset: Set needs DEBUG_WRITE. */
  resetEffective: '2b4e6f8a-5c1d-4a9e-b7f0-3d2c1e0f9a81',
  /** Takes effect at once: Set needs DEBUG_WRITE_FULL. */
  immediate: '7c3a9e52-1f6b-4d08-a2e4-95b0c8d1f6e3',
  /** Device Patrol Scrub Control, which the kernel keeps for itself. */
  kernelExclusive: cxlKernelExclusiveFeatures.PATROL_SCRUB,
} as const;

/** The three features of DESIGN.md §4, in the order Get Supported Features lists them. */
export function cxlType3Features(): CxlDeviceFeature[] {
  const feature = (entry: CxlFeatEntry, init: number[]): CxlDeviceFeature => {
    const bytes = Uint8Array.from(init);
    return { entry, current: bytes.slice(), defaults: bytes.slice(), saved: bytes.slice() };
  };
  const flags = F.CHANGEABLE | F.DEFAULT_SELECTION | F.SAVED_SELECTION;
  return [
    feature(
      {
        uuid: CXL_TYPE3_FEATURE_UUIDS.resetEffective,
        id: 0,
        getSize: 4,
        setSize: 4,
        flags,
        getVersion: 1,
        setVersion: 1,
        effects: E.CONFIG_CHANGE_COLD_RESET | E.EFFECTS_VALID | E.CONFIG_CHANGE_CONV_RESET,
      },
      [0x01, 0x00, 0x00, 0x00],
    ),
    feature(
      {
        uuid: CXL_TYPE3_FEATURE_UUIDS.immediate,
        id: 1,
        getSize: 2,
        setSize: 2,
        flags,
        getVersion: 1,
        setVersion: 1,
        effects: E.CONFIG_CHANGE_IMMEDIATE | E.POLICY_CHANGE_IMMEDIATE,
      },
      [0x10, 0x00],
    ),
    // Patrol scrub control: 4 readable bytes (capabilities, cycle, flags), 2 settable.
    feature(
      {
        uuid: CXL_TYPE3_FEATURE_UUIDS.kernelExclusive,
        id: 2,
        getSize: 4,
        setSize: 2,
        flags: F.CHANGEABLE | F.DEFAULT_SELECTION,
        getVersion: 2,
        setVersion: 2,
        effects: E.CONFIG_CHANGE_IMMEDIATE,
      },
      [0x03, 0x0c, 0x00, 0x01],
    ),
  ];
}

/** The commands the preset supports, as its CEL lists them (spec effect-bit numbering). */
export const cxlType3Cel: readonly CxlCelEntry[] = Object.freeze([
  Object.freeze({ opcode: OP.GET_SUPPORTED_LOGS, effects: 0 }),
  Object.freeze({ opcode: OP.GET_LOG, effects: 0 }),
  Object.freeze({ opcode: OP.GET_SUPPORTED_FEATURES, effects: 0 }),
  Object.freeze({ opcode: OP.GET_FEATURE, effects: 0 }),
  Object.freeze({ opcode: OP.SET_FEATURE, effects: E.CONFIG_CHANGE_IMMEDIATE | E.POLICY_CHANGE_IMMEDIATE | E.CONFIG_CHANGE_COLD_RESET }),
  Object.freeze({ opcode: OP.IDENTIFY, effects: 0 }),
]);

/** Identify Memory Device output size. */
const IDENTIFY_SIZE = 0x43;

export class CxlMailboxDevice {
  readonly payloadSize: number;
  readonly features: CxlDeviceFeature[];
  readonly cel: readonly CxlCelEntry[];
  /** Opcodes executed, oldest first (observers check what reached the device). */
  readonly log: { readonly opcode: number; readonly rc: number; readonly flags?: number }[] = [];
  /** A multi-part Set Feature in progress: its feature and the data gathered. */
  #transfer: { uuid: string; data: number[]; offset: number } | undefined;

  constructor(options: { payloadShift?: number; features?: CxlDeviceFeature[]; cel?: readonly CxlCelEntry[] } = {}) {
    this.payloadSize = 1 << (options.payloadShift ?? 11);
    this.features = options.features ?? cxlType3Features();
    this.cel = options.cel ?? cxlType3Cel;
  }

  /** The Command Effects Log as the device returns it: one 4-byte entry per command, a fresh copy. */
  get celBytes(): Uint8Array {
    const cel = this.cel;
    const b = new Uint8Array(cel.length * CXL_CEL_ENTRY_SIZE);
    for (let i = 0; i < cel.length; i++) {
      cxlPutLe16(b, i * CXL_CEL_ENTRY_SIZE, cel[i]!.opcode);
      cxlPutLe16(b, i * CXL_CEL_ENTRY_SIZE + 2, cel[i]!.effects);
    }
    return b;
  }

  /** One command: the doorbell rang with `opcode` and `input` in the payload registers. */
  exec(opcode: number, input: Uint8Array): CxlMailboxReply {
    const r = this.#run(opcode, input);
    const flags = opcode === OP.SET_FEATURE && input.length >= 20 ? cxlLe32(input, 16) : undefined;
    this.log.push(flags === undefined ? { opcode, rc: r.rc } : { opcode, rc: r.rc, flags });
    return r;
  }

  #run(opcode: number, input: Uint8Array): CxlMailboxReply {
    if (input.length > this.payloadSize) return fail('PAYLOADLEN');
    if (!this.#supports(opcode)) return fail('UNSUPPORTED');
    switch (opcode) {
      case OP.GET_SUPPORTED_LOGS: {
        const out = new Uint8Array(8 + CXL_LOG_ENTRY_SIZE);
        cxlPutLe16(out, 0, 1);
        out.set(CEL_UUID_BYTES, 8);
        cxlPutLe32(out, 8 + 16, this.cel.length * CXL_CEL_ENTRY_SIZE);
        return ok(out);
      }
      case OP.GET_LOG: {
        if (input.length !== 0x18) return fail('INPUT');
        const offset = cxlLe32(input, 16);
        const length = cxlLe32(input, 20);
        if (!uuidEquals(input, CEL_UUID_BYTES)) return fail('UNSUPPORTED');
        const log = this.celBytes;
        if (length > this.payloadSize || offset > log.length) return fail('INPUT');
        return ok(offset === 0 && length >= log.length ? log : log.slice(offset, offset + length));
      }
      case OP.GET_SUPPORTED_FEATURES: {
        if (input.length !== CXL_GET_SUP_FEATS_IN_SIZE) return fail('INPUT');
        const count = cxlLe32(input, 0);
        const start = cxlLe16(input, 4);
        if (count < CXL_GET_SUP_FEATS_OUT_HDR || start > this.features.length) return fail('INPUT');
        const room = Math.floor((Math.min(count, this.payloadSize) - CXL_GET_SUP_FEATS_OUT_HDR) / CXL_FEAT_ENTRY_SIZE);
        const n = Math.max(0, Math.min(room, this.features.length - start));
        const out = new Uint8Array(CXL_GET_SUP_FEATS_OUT_HDR + n * CXL_FEAT_ENTRY_SIZE);
        cxlPutLe16(out, 0, n);
        cxlPutLe16(out, 2, this.features.length);
        for (let i = 0; i < n; i++) encodeFeatEntryInto(out, CXL_GET_SUP_FEATS_OUT_HDR + i * CXL_FEAT_ENTRY_SIZE, this.features[start + i]!.entry);
        return ok(out);
      }
      case OP.GET_FEATURE: {
        if (input.length !== CXL_GET_FEAT_IN_SIZE) return fail('INPUT');
        const f = this.#feature(input);
        if (!f) return fail('UNSUPPORTED');
        const offset = cxlLe16(input, 16);
        const count = cxlLe16(input, 18);
        const selection = input[20]!;
        let data: Uint8Array;
        if (selection === cxlGetFeatSelection.CURRENT) data = f.current;
        else if (selection === cxlGetFeatSelection.DEFAULT && f.entry.flags & F.DEFAULT_SELECTION) data = f.defaults;
        else if (selection === cxlGetFeatSelection.SAVED && f.entry.flags & F.SAVED_SELECTION) data = f.saved;
        else return fail('FEATURESELVALUE');
        if (offset > data.length) return fail('INPUT');
        return ok(data.slice(offset, Math.min(data.length, offset + count)));
      }
      case OP.SET_FEATURE:
        return this.#setFeature(input);
      case OP.IDENTIFY:
        return ok(new Uint8Array(IDENTIFY_SIZE));
      default:
        return fail('UNSUPPORTED');
    }
  }

  /** Whether the CEL lists `opcode` (what the device implements). */
  #supports(opcode: number): boolean {
    const cel = this.cel;
    for (let i = 0; i < cel.length; i++) if (cel[i]!.opcode === opcode) return true;
    return false;
  }

  #feature(input: Uint8Array): CxlDeviceFeature | undefined {
    const uuid = uuidString(input.subarray(0, 16));
    return this.features.find((f) => f.entry.uuid === uuid);
  }

  /** Set Feature: full transfer, or initiate/continue/finish (abort drops a transfer). */
  #setFeature(input: Uint8Array): CxlMailboxReply {
    if (input.length < CXL_SET_FEAT_HDR_SIZE) return fail('INPUT');
    const f = this.#feature(input);
    if (!f || !(f.entry.flags & F.CHANGEABLE) || f.entry.setSize === 0) return fail('UNSUPPORTED');
    const flags = cxlLe32(input, 16);
    const offset = cxlLe16(input, 20);
    if (input[22] !== f.entry.setVersion) return fail('FEATUREVERSION');
    const data = [...input.subarray(CXL_SET_FEAT_HDR_SIZE)];
    const action = flags & cxlSetFeatFlags.TRANSFER_MASK;
    const apply = (from: number, bytes: number[]): CxlMailboxReply => {
      if (from + bytes.length > f.entry.setSize) return fail('INPUT');
      const next = f.current.slice();
      next.set(bytes, from);
      f.current = next;
      if (flags & cxlSetFeatFlags.DATA_SAVED_ACROSS_RESET) f.saved = next.slice();
      return ok(new Uint8Array(0));
    };
    switch (action) {
      case cxlSetFeatFlags.FULL:
        if (this.#transfer) return fail('FEATURETRANSFERIP');
        return apply(offset, data);
      case cxlSetFeatFlags.INITIATE:
        if (this.#transfer) return fail('FEATURETRANSFERIP');
        this.#transfer = { uuid: f.entry.uuid, data, offset };
        return ok(new Uint8Array(0));
      case cxlSetFeatFlags.CONTINUE:
      case cxlSetFeatFlags.FINISH: {
        const t = this.#transfer;
        if (!t || t.uuid !== f.entry.uuid || offset !== t.offset + t.data.length) return fail('FEATURETRANSFEROOO');
        t.data.push(...data);
        if (action === cxlSetFeatFlags.CONTINUE) return ok(new Uint8Array(0));
        this.#transfer = undefined;
        return apply(t.offset, t.data);
      }
      case cxlSetFeatFlags.ABORT:
        this.#transfer = undefined;
        return ok(new Uint8Array(0));
      default:
        return fail('INPUT');
    }
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#transfer];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#transfer = v[0] as never;
  }
}

function ok(out: Uint8Array): CxlMailboxReply {
  return { rc: 0, out };
}

function fail(name: Parameters<typeof cxlRc>[0]): CxlMailboxReply {
  return { rc: cxlRc(name), out: new Uint8Array(0) };
}

/** The mailbox of a hardware function, if it has one (the cxl-type3 preset's). */
export function cxlMailboxOf(hw: object): CxlMailboxDevice | undefined {
  const mb = (hw as { cxlMailbox?: unknown }).cxlMailbox;
  return mb instanceof CxlMailboxDevice ? mb : undefined;
}
