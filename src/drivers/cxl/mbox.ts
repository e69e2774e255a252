/**
 * The CXL mailbox as the kernel drives it (drivers/cxl/core/mbox.c, drivers/cxl/pci.c):
 * `cxlInternalSendCmd` (size limits, return code → errno, min_out), the PCI transport's output
 * length rule, `cxlEnumerateCmds` (Get Supported Logs, the CEL read in payload-size chunks, the
 * walk that enables commands and sets the Features capability), and the gating of commands
 * userspace sends through CXL_MEM_SEND_COMMAND (`cxlValidateSendCommand`, raw commands in
 * particular: reference protocols §4.4.5). Effects in the CEL gate nothing here: they matter
 * only through a Feature's Set Feature Effects (features.ts).
 */
import { type ErrnoName, kerr } from '../../base/index.js';
import {
  CXL_CEL_ENTRY_SIZE,
  CXL_CEL_UUID,
  CXL_LOG_ENTRY_SIZE,
  CXL_VENDOR_DEBUG_UUID,
  cxlOpcodes as OP,
  cxlLe16,
  cxlLe32,
  cxlPutLe32,
  cxlReturnCodes,
  uuidBytes,
  uuidEqualsAt,
  uuidString,
} from '../../protocols/index.js';
import type { CxlMailboxDevice } from '../hw/cxl-mailbox.js';

/** enum cxl_features_capability. */
export const CXL_FEATURES_NONE = 0;
export const CXL_FEATURES_RO = 1;
export const CXL_FEATURES_RW = 2;

/** The largest payload Linux uses (SZ_1M) and the smallest it accepts (256 bytes). */
const CXL_MAX_PAYLOAD = 1 << 20;
const CXL_MIN_PAYLOAD = 256;

/** struct cxl_mailbox: the transport and what enumeration found. */
export interface CxlMailbox {
  readonly device: CxlMailboxDevice;
  readonly payloadSize: number;
  /** Opcodes of the driver's command table the CEL enabled (plus the force-enabled ones). */
  readonly enabledCmds: Set<number>;
  featCap: number;
}

/** struct cxl_mbox_cmd. */
export interface CxlMboxCmd {
  readonly opcode: number;
  readonly payloadIn: Uint8Array;
  /** Output buffer size. */
  readonly sizeOut: number;
  /** Minimum acceptable output; 0 means the whole `sizeOut`. */
  readonly minOut?: number;
}

export interface CxlMboxResult {
  /** 0, or the errno cxl_internal_send_cmd returns. */
  readonly errno: 0 | ErrnoName;
  readonly returnCode: number;
  /** Bytes produced (the transport's n), or `sizeOut` untouched after a device error. */
  readonly sizeOut: number;
  readonly payloadOut: Uint8Array;
}

/** cxl_pci_setup_mailbox: payload size min(2^n, 1 MiB); below 256 bytes ENXIO. */
export function cxlSetupMailbox(device: CxlMailboxDevice): CxlMailbox {
  if (device.payloadSize < CXL_MIN_PAYLOAD) throw kerr('ENXIO', 'cxl: Mailbox is too small');
  return { device, payloadSize: Math.min(device.payloadSize, CXL_MAX_PAYLOAD), enabledCmds: new Set(), featCap: CXL_FEATURES_NONE };
}

/**
 * __cxl_pci_mbox_send_cmd + cxl_internal_send_cmd: E2BIG for in/out above the payload size;
 * a device error (return code other than SUCCESS and BACKGROUND) is its errno from the table,
 * with the output length left at the buffer size; otherwise n = min(size_out, payload size,
 * device length) bytes, and fewer than min_out (0: size_out) is EIO.
 */
export function cxlInternalSendCmd(mbox: CxlMailbox, cmd: CxlMboxCmd): CxlMboxResult {
  if (cmd.payloadIn.length > mbox.payloadSize || cmd.sizeOut > mbox.payloadSize) {
    return { errno: 'E2BIG', returnCode: 0, sizeOut: cmd.sizeOut, payloadOut: new Uint8Array(0) };
  }
  const reply = mbox.device.exec(cmd.opcode, cmd.payloadIn);
  if (reply.rc !== 0 && reply.rc !== 1) {
    // cxl_mbox_cmd_rc2errno indexes the table with no bounds check; the device never exceeds it.
    const errno = cxlReturnCodes[reply.rc]?.[1] ?? 'ENXIO';
    return { errno: errno === 0 ? 'ENXIO' : errno, returnCode: reply.rc, sizeOut: cmd.sizeOut, payloadOut: new Uint8Array(cmd.sizeOut) };
  }
  const n = Math.min(cmd.sizeOut, mbox.payloadSize, reply.out.length);
  const payloadOut = reply.out.slice(0, n);
  if (cmd.sizeOut === 0) return { errno: 0, returnCode: reply.rc, sizeOut: n, payloadOut };
  const minOut = cmd.minOut || cmd.sizeOut;
  return { errno: n < minOut ? 'EIO' : 0, returnCode: reply.rc, sizeOut: n, payloadOut };
}

/** Opcodes of the driver's command table (mainline `cxl_mem_commands`), by command id. */
export const cxlMemCommands = [
  { id: 1, name: 'IDENTIFY', opcode: OP.IDENTIFY, sizeIn: 0, sizeOut: 0x43, forceEnable: true },
  { id: 3, name: 'GET_SUPPORTED_LOGS', opcode: OP.GET_SUPPORTED_LOGS, sizeIn: 0, sizeOut: -1, forceEnable: true },
  { id: 4, name: 'GET_FW_INFO', opcode: OP.GET_FW_INFO, sizeIn: 0, sizeOut: 0x50 },
  { id: 5, name: 'GET_PARTITION_INFO', opcode: OP.GET_PARTITION_INFO, sizeIn: 0, sizeOut: 0x20 },
  { id: 6, name: 'GET_LSA', opcode: OP.GET_LSA, sizeIn: 0x8, sizeOut: -1 },
  { id: 7, name: 'GET_HEALTH_INFO', opcode: OP.GET_HEALTH_INFO, sizeIn: 0, sizeOut: 0x12 },
  { id: 8, name: 'GET_LOG', opcode: OP.GET_LOG, sizeIn: 0x18, sizeOut: -1, forceEnable: true },
  { id: 9, name: 'SET_PARTITION_INFO', opcode: OP.SET_PARTITION_INFO, sizeIn: 0x0a, sizeOut: 0 },
  { id: 10, name: 'SET_LSA', opcode: OP.SET_LSA, sizeIn: -1, sizeOut: 0 },
  { id: 11, name: 'GET_ALERT_CONFIG', opcode: OP.GET_ALERT_CONFIG, sizeIn: 0, sizeOut: 0x10 },
  { id: 12, name: 'SET_ALERT_CONFIG', opcode: OP.SET_ALERT_CONFIG, sizeIn: 0xc, sizeOut: 0 },
  { id: 13, name: 'GET_SHUTDOWN_STATE', opcode: OP.GET_SHUTDOWN_STATE, sizeIn: 0, sizeOut: 0x1 },
  { id: 14, name: 'SET_SHUTDOWN_STATE', opcode: OP.SET_SHUTDOWN_STATE, sizeIn: 0x1, sizeOut: 0 },
  { id: 18, name: 'GET_SCAN_MEDIA_CAPS', opcode: OP.GET_SCAN_MEDIA_CAPS, sizeIn: 0x10, sizeOut: 0x4 },
  { id: 21, name: 'GET_TIMESTAMP', opcode: OP.GET_TIMESTAMP, sizeIn: 0, sizeOut: 0x8 },
  { id: 22, name: 'GET_LOG_CAPS', opcode: OP.GET_LOG_CAPS, sizeIn: 0x10, sizeOut: 0x4 },
  { id: 23, name: 'CLEAR_LOG', opcode: OP.CLEAR_LOG, sizeIn: 0x10, sizeOut: 0 },
  { id: 24, name: 'GET_SUP_LOG_SUBLIST', opcode: OP.GET_SUP_LOG_SUBLIST, sizeIn: 0x2, sizeOut: -1 },
] as const;
/** CXL_MEM_COMMAND_ID_RAW and CXL_MEM_COMMAND_ID_MAX. */
export const CXL_MEM_COMMAND_ID_RAW = 2;
export const CXL_MEM_COMMAND_ID_MAX = 25;

/**
 * cxl_xfer_log: read `size` bytes of the log whose UUID is the 16 bytes of `uuid` at `uuidAt` (as
 * Get Supported Logs gave them) with Get Log, min(remaining, payload) at a time; a chunk answered short ends the read
 * (the log is what arrived so far).
 */
function cxlXferLog(mbox: CxlMailbox, uuid: Uint8Array, uuidAt: number, size: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let remaining = size;
  while (remaining > 0) {
    const xfer = Math.min(remaining, mbox.payloadSize);
    const input = new Uint8Array(0x18);
    for (let i = 0; i < 16; i++) input[i] = uuid[uuidAt + i]!;
    cxlPutLe32(input, 16, offset);
    cxlPutLe32(input, 20, xfer);
    const r = cxlInternalSendCmd(mbox, { opcode: OP.GET_LOG, payloadIn: input, sizeOut: xfer, minOut: 0 });
    // A short chunk: take what came and stop (mainline trims the log size to it).
    if (r.errno === 'EIO') {
      chunks.push(r.payloadOut);
      break;
    }
    if (r.errno !== 0) throw kerr(r.errno, `cxl: Get Log failed (rc ${r.returnCode})`);
    chunks.push(r.payloadOut);
    offset += xfer;
    remaining -= xfer;
  }
  if (chunks.length === 1) return chunks[0]!;
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The opcodes of the driver's command table, and those it enables whatever the CEL says. */
const MEM_COMMAND_OPCODES: ReadonlySet<number> = new Set(cxlMemCommands.map((c) => c.opcode));
const FORCE_ENABLED_OPCODES: readonly number[] = Object.freeze(
  cxlMemCommands.filter((c) => 'forceEnable' in c && c.forceEnable).map((c) => c.opcode),
);
/** The CEL's UUID as a Get Supported Logs entry carries it; only compared against. */
const CEL_UUID_BYTES = uuidBytes(CXL_CEL_UUID);

/**
 * cxl_walk_cel: every opcode of the command table becomes enabled; Features: both read
 * commands → RO, and Set Feature as well → RW.
 */
function cxlWalkCel(mbox: CxlMailbox, cel: Uint8Array): void {
  let getSupported = false;
  let getFeature = false;
  let setFeature = false;
  for (let i = 0; i + CXL_CEL_ENTRY_SIZE <= cel.length; i += CXL_CEL_ENTRY_SIZE) {
    const opcode = cxlLe16(cel, i);
    if (MEM_COMMAND_OPCODES.has(opcode)) mbox.enabledCmds.add(opcode);
    if (opcode === OP.GET_SUPPORTED_FEATURES) getSupported = true;
    else if (opcode === OP.GET_FEATURE) getFeature = true;
    else if (opcode === OP.SET_FEATURE) setFeature = true;
  }
  if (getSupported && getFeature) mbox.featCap = setFeature ? CXL_FEATURES_RW : CXL_FEATURES_RO;
}

/**
 * cxl_enumerate_cmds: Get Supported Logs (the whole payload, at least 2 bytes), the CEL read and
 * walked, then the FORCE_ENABLE commands. No CEL: ENOENT and nothing enabled.
 */
export function cxlEnumerateCmds(mbox: CxlMailbox): void {
  const r = cxlInternalSendCmd(mbox, { opcode: OP.GET_SUPPORTED_LOGS, payloadIn: new Uint8Array(0), sizeOut: mbox.payloadSize, minOut: 2 });
  if (r.errno !== 0) throw kerr(r.errno, `cxl: Get Supported Logs failed (rc ${r.returnCode})`);
  const out = r.payloadOut;
  const entries = cxlLe16(out, 0);
  for (let i = 0; i < entries; i++) {
    const at = 8 + i * CXL_LOG_ENTRY_SIZE;
    if (at + CXL_LOG_ENTRY_SIZE > out.length) break;
    if (!uuidEqualsAt(out, at, CEL_UUID_BYTES)) continue;
    cxlWalkCel(mbox, cxlXferLog(mbox, out, at, cxlLe32(out, at + 16)));
    for (const opcode of FORCE_ENABLED_OPCODES) mbox.enabledCmds.add(opcode);
    return;
  }
  throw kerr('ENOENT', 'cxl: no Command Effects Log');
}

// ---------------------------------------------------------------- userspace command gating

/** Opcodes raw commands may never reach (mbox.c `cxl_disabled_raw_commands`). */
export const cxlDisabledRawCommands: ReadonlySet<number> = new Set([
  OP.ACTIVATE_FW,
  OP.SET_PARTITION_INFO,
  OP.SET_LSA,
  OP.SET_SHUTDOWN_STATE,
  OP.SCAN_MEDIA,
  OP.GET_SCAN_MEDIA,
  OP.GET_POISON,
  OP.INJECT_POISON,
  OP.CLEAR_POISON,
]);

/** Command sets reserved for the kernel's security handling (Sanitize, PMEM security, passthrough). */
export const cxlSecurityCommandSets: ReadonlySet<number> = new Set([0x44, 0x45, 0x46]);

export interface CxlRawPolicy {
  /** CONFIG_CXL_MEM_RAW_COMMANDS. */
  readonly rawCommandsBuiltIn: boolean;
  /** security_locked_down(LOCKDOWN_PCI_ACCESS). */
  readonly lockedDown: boolean;
  /** /sys/kernel/debug/cxl/mbox/raw_allow_all. */
  readonly rawAllowAll: boolean;
}

/** cxl_mem_raw_command_allowed. */
export function cxlMemRawCommandAllowed(opcode: number, policy: CxlRawPolicy): boolean {
  if (!policy.rawCommandsBuiltIn) return false;
  if (policy.lockedDown) return false;
  if (policy.rawAllowAll) return true;
  if (cxlSecurityCommandSets.has(opcode >> 8)) return false;
  return !cxlDisabledRawCommands.has(opcode);
}

/** struct cxl_send_command (48 bytes), decoded. */
export interface CxlSendCommand {
  readonly id: number;
  readonly flags: number;
  readonly rawOpcode: number;
  readonly rawRsvd: number;
  readonly inSize: number;
  readonly inRsvd: number;
  readonly outSize: number;
  readonly outRsvd: number;
  /** The input payload, when in.size > 0 (copied in after validation). */
  readonly input?: Uint8Array;
}

/** What a userspace command became: the opcode to send and its output buffer size. */
export interface CxlUserCommand {
  readonly opcode: number;
  readonly sizeOut: number;
  /** A permitted raw command fires dev_WARN_ONCE (TAINT_WARN 'W'). */
  readonly raw: boolean;
}

/**
 * cxl_validate_cmd_from_user → cxl_to_mem_cmd / cxl_to_mem_cmd_raw → cxl_payload_from_user_allowed,
 * in the kernel's order (protocols §4.4.5). `exclusive` are commands the kernel claimed.
 * @throws {DriverModelError} ENOTTY, EINVAL, EBUSY, ENOMEM or EPERM.
 */
export function cxlValidateSendCommand(
  mbox: CxlMailbox,
  send: CxlSendCommand,
  policy: CxlRawPolicy,
  exclusive: ReadonlySet<number> = new Set(),
): CxlUserCommand {
  if (send.id === 0 || send.id >= CXL_MEM_COMMAND_ID_MAX) throw kerr('ENOTTY', `cxl: command id ${send.id}`);
  if (send.inSize > mbox.payloadSize) throw kerr('EINVAL', `cxl: in.size ${send.inSize} above the payload size`);
  let cmd: CxlUserCommand;
  if (send.id === CXL_MEM_COMMAND_ID_RAW) {
    if (send.rawRsvd !== 0) throw kerr('EINVAL', 'cxl: raw.rsvd set');
    if (send.outSize > mbox.payloadSize) throw kerr('EINVAL', `cxl: out.size ${send.outSize} above the payload size`);
    if (!cxlMemRawCommandAllowed(send.rawOpcode, policy)) throw kerr('EPERM', `cxl: raw opcode 0x${send.rawOpcode.toString(16)} not allowed`);
    cmd = { opcode: send.rawOpcode, sizeOut: send.outSize, raw: true };
  } else {
    if (send.flags & ~0x3) throw kerr('EINVAL', 'cxl: unknown flags');
    // send_cmd->rsvd is the u32 the raw {opcode, rsvd} overlay.
    if (send.rawOpcode || send.rawRsvd) throw kerr('EINVAL', 'cxl: rsvd set');
    if (send.inRsvd || send.outRsvd) throw kerr('EINVAL', 'cxl: in.rsvd or out.rsvd set');
    const info = cxlMemCommands.find((c) => c.id === send.id);
    if (!info || !mbox.enabledCmds.has(info.opcode)) throw kerr('ENOTTY', `cxl: command id ${send.id} not enabled`);
    if (exclusive.has(info.opcode)) throw kerr('EBUSY', `cxl: command id ${send.id} is exclusive to the kernel`);
    if (info.sizeIn >= 0 && info.sizeIn !== send.inSize) throw kerr('ENOMEM', `cxl: in.size ${send.inSize}, command takes ${info.sizeIn}`);
    if (info.sizeOut >= 0 && info.sizeOut > send.outSize) throw kerr('ENOMEM', `cxl: out.size ${send.outSize}, command gives ${info.sizeOut}`);
    // cxl_to_mem_cmd keeps the user's out.size; cxl_mbox_cmd_ctor makes ~0 (variable) the payload size.
    cmd = { opcode: info.opcode, sizeOut: send.outSize === 0xffffffff ? mbox.payloadSize : send.outSize, raw: false };
  }
  if (send.inSize > 0 && send.input) cxlPayloadFromUserAllowed(cmd.opcode, send.input);
  return cmd;
}

/** cxl_payload_from_user_allowed: Set Partition Info "immediate", Clear Log of a non-debug log. */
export function cxlPayloadFromUserAllowed(opcode: number, input: Uint8Array): void {
  if (opcode === OP.SET_PARTITION_INFO) {
    if (input.length < 10) throw kerr('EBUSY', 'cxl: Set Partition Info payload too short');
    if (input[8]! & 0x1) throw kerr('EBUSY', 'cxl: Set Partition Info with the immediate flag');
  }
  if (opcode === OP.CLEAR_LOG) {
    if (input.length < 16) throw kerr('EBUSY', 'cxl: Clear Log payload too short');
    if (uuidString(input.subarray(0, 16)) !== CXL_VENDOR_DEBUG_UUID) throw kerr('EBUSY', 'cxl: Clear Log only for the vendor debug log');
  }
}
