/**
 * CXL Features and their fwctl device (drivers/cxl/core/features.c; reference protocols §4.3.4),
 * as the auxiliary driver `cxl_fwctl.fwctl` on `cxl_pci.fwctl.N` (DESIGN.md §4):
 *
 * - probe: the mailbox is set up and its CEL walked (cxl_enumerate_cmds), the Features
 *   capability must be at least read-only (ENODEV), the device's feature list is read and kept
 *   (get_supported_features), at least one feature must be the user's (ENODEV), and a fwctl
 *   device of type CXL is registered below the PCI function.
 * - RPC (`cxlctl_fw_rpc`): `cxlctl_validate_hw_command` first (any failure EINVAL), then the
 *   handler. Get Supported Features is served from the kept list (kernel-exclusive features
 *   shown with set size 0, not changeable); Get Feature reads the device; Set Feature is allowed
 *   by the feature's Set Feature Effects (`cxlctl_validate_set_features`) and, for a kernel-
 *   exclusive feature that passed, refused with EPERM.
 *
 * Departure: in the kernel the mailbox enumeration is cxl_pci's and the fwctl device hangs
 * below the CXL memdev; with no memdev modelled, cxl_fwctl does both and uses the PCI function.
 */
import { inject, injectable } from 'inversify';
import { kerr } from '../../base/index.js';
import {
  AuxiliaryDriverModule,
  type AuxiliaryBus,
  type AuxiliaryDevice,
  type AuxiliaryDeviceId,
  IAuxiliaryBus,
  auxiliaryModuleAliases,
} from '../../aux/index.js';
import { defineModule } from '../../bus/index.js';
import {
  CXL_FEAT_ENTRY_SIZE,
  CXL_GET_FEAT_IN_SIZE,
  CXL_GET_SUP_FEATS_IN_SIZE,
  CXL_GET_SUP_FEATS_OUT_HDR,
  CXL_SET_FEAT_HDR_SIZE,
  FWCTL_RPC_CXL_HDR_SIZE,
  FWCTL_RPC_CXL_OUT_HDR_SIZE,
  FWCTL_RPC_CXL_OUT_SIZEOF,
  FWCTL_RPC_DEBUG_WRITE,
  FWCTL_RPC_DEBUG_WRITE_FULL,
  type CxlFeatEntry,
  cxlCmdEffects as E,
  cxlFeatureFlags,
  cxlKernelExclusiveFeatures,
  cxlOpcodes as OP,
  cxlRc,
  cxlSetFeatFlags,
  cxlLe16,
  cxlPutLe16,
  cxlPutLe32,
  decodeFeatEntryAt,
  encodeFeatEntry,
  fwctlDeviceTypes,
  uuidString,
} from '../../protocols/index.js';
import { cxlMailboxOf } from '../hw/cxl-mailbox.js';
import { type FwctlCore, type FwctlDevice, type FwctlOps, FWCTL_MODNAME, IFwctlCore } from '../fwctl/main.js';
import { CXL_FEATURES_RO, CXL_FEATURES_RW, type CxlMailbox, cxlEnumerateCmds, cxlInternalSendCmd, cxlSetupMailbox } from './mbox.js';
import type { CxlFwctlRef } from './pci.js';

export const CXL_FWCTL_MODNAME = 'cxl_fwctl';

export const cxlFwctlIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'cxl_pci.fwctl' }];

const EXCLUSIVE: ReadonlySet<string> = new Set(Object.values(cxlKernelExclusiveFeatures));

/** is_cxl_feature_exclusive_by_uuid. */
export function isCxlFeatureExclusive(uuid: string): boolean {
  return EXCLUSIVE.has(uuid);
}

/** struct cxl_features_state: the mailbox and the kept feature list. */
export interface CxlFeaturesState {
  readonly mbox: CxlMailbox;
  readonly entries: readonly CxlFeatEntry[];
  readonly numUserFeatures: number;
}

/** Effects needing DEBUG_WRITE_FULL (imm_mask) and those that wait for a reset (reset_mask). */
const IMM_MASK = E.CONFIG_CHANGE_IMMEDIATE | E.DATA_CHANGE_IMMEDIATE | E.POLICY_CHANGE_IMMEDIATE | E.LOG_CHANGE_IMMEDIATE;
const RESET_MASK = E.CONFIG_CHANGE_COLD_RESET | E.CONFIG_CHANGE_CONV_RESET | E.CONFIG_CHANGE_CXL_RESET;

/**
 * The lowest fwctl scope a Set Feature with these effects is allowed at, or undefined when it is
 * never allowed (the effect rules of `cxlctl_validate_set_features`, in order: reserved bits,
 * background operation, neither immediate nor reset effect; immediate → DEBUG_WRITE_FULL;
 * reset only → DEBUG_WRITE). Bits 5, 7, 8 and 9 do not matter.
 */
export function cxlSetFeatureScope(effects: number): number | undefined {
  if (effects & E.RESERVED) return undefined;
  if (effects & E.BACKGROUND) return undefined;
  if (!(effects & IMM_MASK) && !(effects & RESET_MASK)) return undefined;
  return effects & IMM_MASK ? FWCTL_RPC_DEBUG_WRITE_FULL : FWCTL_RPC_DEBUG_WRITE;
}

/** get_supported_features: the count, then the entries in batches that fit the payload. */
function getSupportedFeatures(mbox: CxlMailbox): { entries: CxlFeatEntry[]; user: number } | undefined {
  const countIn = new Uint8Array(CXL_GET_SUP_FEATS_IN_SIZE);
  cxlPutLe32(countIn, 0, CXL_GET_SUP_FEATS_OUT_HDR);
  const first = cxlInternalSendCmd(mbox, {
    opcode: OP.GET_SUPPORTED_FEATURES,
    payloadIn: countIn,
    sizeOut: CXL_GET_SUP_FEATS_OUT_HDR,
    minOut: CXL_GET_SUP_FEATS_OUT_HDR,
  });
  if (first.errno !== 0) return undefined;
  const count = cxlLe16(first.payloadOut, 2);
  if (count <= 0) return undefined;
  const maxFeats = Math.floor((mbox.payloadSize - CXL_GET_SUP_FEATS_OUT_HDR) / CXL_FEAT_ENTRY_SIZE);
  const entries: CxlFeatEntry[] = [];
  let user = 0;
  let start = 0;
  let remain = count;
  do {
    const copy = Math.min(remain, maxFeats);
    remain -= copy;
    const allocSize = CXL_GET_SUP_FEATS_OUT_HDR + copy * CXL_FEAT_ENTRY_SIZE;
    const input = new Uint8Array(CXL_GET_SUP_FEATS_IN_SIZE);
    cxlPutLe32(input, 0, allocSize);
    cxlPutLe16(input, 4, start);
    const r = cxlInternalSendCmd(mbox, {
      opcode: OP.GET_SUPPORTED_FEATURES,
      payloadIn: input,
      sizeOut: allocSize,
      minOut: CXL_GET_SUP_FEATS_OUT_HDR,
    });
    if (r.errno !== 0 || r.sizeOut <= CXL_GET_SUP_FEATS_OUT_HDR) return undefined;
    const retrieved = r.sizeOut - CXL_GET_SUP_FEATS_OUT_HDR;
    if (retrieved % CXL_FEAT_ENTRY_SIZE) return undefined;
    const num = cxlLe16(r.payloadOut, 0);
    if (num * CXL_FEAT_ENTRY_SIZE !== retrieved) return undefined;
    for (let i = 0; i < num; i++) {
      const at = CXL_GET_SUP_FEATS_OUT_HDR + i * CXL_FEAT_ENTRY_SIZE;
      const e = decodeFeatEntryAt(r.payloadOut, at);
      entries.push(e);
      if (!isCxlFeatureExclusive(e.uuid)) user++;
    }
    remain += copy - num;
    start += num;
  } while (remain > 0);
  return { entries, user };
}

/** cxl_get_feature: payload-size reads; returns the bytes read (0 on failure) and the return code. */
function cxlGetFeature(
  mbox: CxlMailbox,
  uuid: Uint8Array,
  selection: number,
  count: number,
  offset: number,
): { data: Uint8Array; returnCode: number } {
  if (count === 0) return { data: new Uint8Array(0), returnCode: cxlRc('INPUT') };
  const sizeOut = Math.min(count, mbox.payloadSize);
  const data = new Uint8Array(count);
  let received = 0;
  do {
    const toRead = Math.min(count - received, mbox.payloadSize);
    const input = new Uint8Array(CXL_GET_FEAT_IN_SIZE);
    input.set(uuid.subarray(0, 16));
    const v = new DataView(input.buffer);
    v.setUint16(16, (offset + received) & 0xffff, true);
    v.setUint16(18, toRead, true);
    input[20] = selection;
    const r = cxlInternalSendCmd(mbox, { opcode: OP.GET_FEATURE, payloadIn: input, sizeOut, minOut: toRead });
    if (r.errno !== 0 || r.sizeOut === 0) return { data: new Uint8Array(0), returnCode: r.returnCode };
    data.set(r.payloadOut.subarray(0, Math.min(r.sizeOut, count - received)), received);
    received += r.sizeOut;
  } while (received < count);
  return { data: data.subarray(0, Math.min(received, count)), returnCode: 0 };
}

/** FEAT_DATA_MIN_PAYLOAD_SIZE: bytes of data that must fit beside the Set Feature header. */
const FEAT_DATA_MIN_PAYLOAD_SIZE = 10;

/**
 * cxl_set_feature: bits 2:0 of the flags are the kernel's (full, or initiate/continue/finish
 * with the offset advanced), bit 3 always set; abort is never sent. Returns the return code
 * for the RPC: INPUT when no command could be sent, the device's on failure, 0 when done.
 */
function cxlSetFeature(mbox: CxlMailbox, uuid: Uint8Array, version: number, data: Uint8Array, flags: number, offset: number): number {
  const hdr = CXL_SET_FEAT_HDR_SIZE;
  if (hdr + FEAT_DATA_MIN_PAYLOAD_SIZE > mbox.payloadSize) return cxlRc('INPUT');
  const base = ((flags & ~cxlSetFeatFlags.TRANSFER_MASK) | cxlSetFeatFlags.DATA_SAVED_ACROSS_RESET) >>> 0;
  let action: number = hdr + data.length <= mbox.payloadSize ? cxlSetFeatFlags.FULL : cxlSetFeatFlags.INITIATE;
  let chunk = action === cxlSetFeatFlags.FULL ? data.length : mbox.payloadSize - hdr;
  let sent = 0;
  for (;;) {
    const input = new Uint8Array(hdr + chunk);
    input.set(uuid.subarray(0, 16));
    const v = new DataView(input.buffer);
    v.setUint32(16, (base | action) >>> 0, true);
    v.setUint16(20, (offset + sent) & 0xffff, true);
    input[22] = version;
    input.set(data.subarray(sent, sent + chunk), hdr);
    const r = cxlInternalSendCmd(mbox, { opcode: OP.SET_FEATURE, payloadIn: input, sizeOut: 0 });
    if (r.errno !== 0) return r.returnCode;
    sent += chunk;
    if (sent >= data.length) return 0;
    if (data.length - sent <= mbox.payloadSize - hdr) {
      chunk = data.length - sent;
      action = cxlSetFeatFlags.FINISH;
    } else action = cxlSetFeatFlags.CONTINUE;
  }
}

/** The fwctl_rpc_cxl input, zero-extended (the kernel reads the union whatever in_len was). */
function rpcIn(input: Uint8Array, need: number): { opcode: number; opSize: number; bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(Math.max(input.length, need, FWCTL_RPC_CXL_HDR_SIZE + CXL_SET_FEAT_HDR_SIZE));
  bytes.set(input);
  const view = new DataView(bytes.buffer);
  return { opcode: view.getUint32(0, true) & 0xffff, opSize: view.getUint32(8, true), bytes, view };
}

/** A fwctl_rpc_cxl_out of `len` bytes with size and retval set. */
function rpcOut(len: number, size: number, retval: number): Uint8Array {
  const out = new Uint8Array(Math.max(len, FWCTL_RPC_CXL_OUT_SIZEOF));
  const v = new DataView(out.buffer);
  v.setUint32(0, size, true);
  v.setUint32(4, retval, true);
  return out;
}

/** cxlctl_validate_set_features. */
function validateSetFeatures(cxlfs: CxlFeaturesState, opSize: number, uuid: string, scope: number): boolean {
  if (opSize < 16) return false;
  const feat = cxlfs.entries.find((e) => e.uuid === uuid);
  if (!feat) return false;
  if (!(feat.flags & cxlFeatureFlags.CHANGEABLE)) return false;
  const lowest = cxlSetFeatureScope(feat.effects);
  return lowest !== undefined && scope >= lowest;
}

/** The fwctl ops of a CXL device (cxlctl_ops). */
export function cxlctlOps(cxlfs: CxlFeaturesState): FwctlOps {
  const P = FWCTL_RPC_CXL_HDR_SIZE;
  return {
    deviceType: fwctlDeviceTypes.CXL,
    openUctx: () => {},
    closeUctx: () => {},
    fwRpc: (_uctx, scope, input, outLen) => {
      const rpc = rpcIn(input, P + CXL_SET_FEAT_HDR_SIZE);
      // cxlctl_validate_hw_command.
      const cap = cxlfs.mbox.featCap;
      let valid: boolean;
      switch (rpc.opcode) {
        case OP.GET_SUPPORTED_FEATURES:
        case OP.GET_FEATURE:
          valid = cap >= CXL_FEATURES_RO;
          break;
        case OP.SET_FEATURE:
          valid = cap >= CXL_FEATURES_RW && validateSetFeatures(cxlfs, rpc.opSize, uuidString(rpc.bytes.subarray(P, P + 16)), scope);
          break;
        default:
          valid = false;
      }
      if (!valid) throw kerr('EINVAL', `cxl_fwctl: opcode 0x${rpc.opcode.toString(16)} refused at scope ${scope}`);
      switch (rpc.opcode) {
        case OP.GET_SUPPORTED_FEATURES: {
          if (rpc.opSize !== CXL_GET_SUP_FEATS_IN_SIZE) throw kerr('EINVAL', 'cxl_fwctl: Get Supported Features op_size');
          const count = rpc.view.getUint32(P, true);
          const start = rpc.view.getUint16(P + 4, true);
          if (start >= cxlfs.entries.length) throw kerr('EINVAL', `cxl_fwctl: start_idx ${start}`);
          const n = Math.min(Math.floor(count / CXL_FEAT_ENTRY_SIZE), cxlfs.entries.length - start);
          const dataSize = CXL_GET_SUP_FEATS_OUT_HDR + n * CXL_FEAT_ENTRY_SIZE;
          const outSize = FWCTL_RPC_CXL_OUT_SIZEOF + dataSize;
          const out = rpcOut(outSize, dataSize, 0);
          const v = new DataView(out.buffer);
          const H = FWCTL_RPC_CXL_OUT_HDR_SIZE;
          v.setUint16(H, n, true);
          v.setUint16(H + 2, cxlfs.entries.length, true);
          for (let i = 0; i < n; i++) {
            let e = cxlfs.entries[start + i]!;
            if (isCxlFeatureExclusive(e.uuid)) e = { ...e, setSize: 0, flags: e.flags & ~cxlFeatureFlags.CHANGEABLE };
            out.set(encodeFeatEntry(e), H + CXL_GET_SUP_FEATS_OUT_HDR + i * CXL_FEAT_ENTRY_SIZE);
          }
          return { out, outLen: outSize };
        }
        case OP.GET_FEATURE: {
          if (rpc.opSize !== CXL_GET_FEAT_IN_SIZE) throw kerr('EINVAL', 'cxl_fwctl: Get Feature op_size');
          const offset = rpc.view.getUint16(P + 16, true);
          const count = rpc.view.getUint16(P + 18, true);
          if (count === 0) throw kerr('EINVAL', 'cxl_fwctl: Get Feature count 0');
          const r = cxlGetFeature(cxlfs.mbox, rpc.bytes.subarray(P, P + 16), rpc.bytes[P + 20]!, count, offset);
          if (r.data.length === 0) return { out: rpcOut(outLen, 0, r.returnCode), outLen: FWCTL_RPC_CXL_OUT_SIZEOF };
          const out = rpcOut(Math.max(outLen, FWCTL_RPC_CXL_OUT_HDR_SIZE + r.data.length), r.data.length, 0);
          out.set(r.data, FWCTL_RPC_CXL_OUT_HDR_SIZE);
          return { out, outLen: FWCTL_RPC_CXL_OUT_SIZEOF + r.data.length };
        }
        default: {
          // Set Feature.
          if (rpc.opSize <= CXL_SET_FEAT_HDR_SIZE) throw kerr('EINVAL', 'cxl_fwctl: Set Feature op_size');
          const uuid = rpc.bytes.subarray(P, P + 16);
          if (isCxlFeatureExclusive(uuidString(uuid))) throw kerr('EPERM', `cxl_fwctl: feature ${uuidString(uuid)} is the kernel's`);
          const flags = rpc.view.getUint32(P + 16, true);
          const offset = rpc.view.getUint16(P + 20, true);
          const version = rpc.bytes[P + 22]!;
          const dataSize = rpc.opSize - CXL_SET_FEAT_HDR_SIZE;
          const data = new Uint8Array(dataSize);
          data.set(rpc.bytes.subarray(P + CXL_SET_FEAT_HDR_SIZE, P + CXL_SET_FEAT_HDR_SIZE + dataSize));
          const rc = cxlSetFeature(cxlfs.mbox, uuid, version, data, flags, offset);
          return { out: rpcOut(outLen, 0, rc), outLen: FWCTL_RPC_CXL_OUT_SIZEOF };
        }
      }
    },
  };
}

/** devm_cxl_setup_features: the capability and the kept list. */
export function cxlSetupFeatures(mbox: CxlMailbox): CxlFeaturesState {
  if (mbox.featCap < CXL_FEATURES_RO) throw kerr('ENODEV', 'cxl: no Features commands');
  const list = getSupportedFeatures(mbox);
  if (!list) throw kerr('ENOMEM', 'cxl: Get Supported Features failed');
  return { mbox, entries: list.entries, numUserFeatures: list.user };
}

@injectable()
export class CxlFwctlModule extends AuxiliaryDriverModule {
  constructor(
    @inject(IAuxiliaryBus) aux: AuxiliaryBus,
    @inject(IFwctlCore) private readonly fwctl: FwctlCore,
  ) {
    super(aux, CXL_FWCTL_MODNAME, { name: 'fwctl', idTable: cxlFwctlIdTable });
  }

  /** Mailbox and CEL, Features, then devm_cxl_setup_fwctl (ENODEV without a user feature). */
  protected probe(adev: AuxiliaryDevice): void {
    const ref = adev.platformData as CxlFwctlRef | undefined;
    if (ref?.kind !== 'cxl-fwctl') throw kerr('ENODEV', `${adev.name}: not a CXL fwctl device`);
    const device = cxlMailboxOf(ref.pdev.hw);
    if (!device) throw kerr('ENODEV', `${ref.pdev.name}: no CXL mailbox`);
    const mbox = cxlSetupMailbox(device);
    cxlEnumerateCmds(mbox);
    const cxlfs = cxlSetupFeatures(mbox);
    if (cxlfs.numUserFeatures === 0) throw kerr('ENODEV', `${ref.pdev.name}: no user features`);
    const fwctl = this.fwctl.alloc(ref.pdev, cxlctlOps(cxlfs));
    fwctl.priv = cxlfs;
    this.fwctl.registerOrPut(fwctl);
    adev.driverData = fwctl;
  }

  /** free_memdev_fwctl: fwctl_unregister, fwctl_put. */
  protected override remove(adev: AuxiliaryDevice): void {
    const fwctl = adev.driverData as FwctlDevice | undefined;
    if (!fwctl) return;
    this.fwctl.unregisterAndPut(fwctl);
  }
}

export const cxlFwctlModuleInfo = defineModule(
  {
    name: CXL_FWCTL_MODNAME,
    depends: [FWCTL_MODNAME, 'cxl_pci'],
    aliases: auxiliaryModuleAliases(cxlFwctlIdTable),
    description: 'CXL Features over fwctl',
  },
  CxlFwctlModule,
);
