/**
 * The CXL memdev UAPI (include/uapi/linux/cxl_mem.h): the two ioctls of /dev/cxl/memN and their
 * structures, little-endian as on x86-64. Shared by the kernel side (src/drivers/cxl/memdev.ts)
 * and callers (tests, userspace tools).
 *
 *   struct cxl_command_info        { u32 id; u32 flags; u32 size_in; u32 size_out; }   16 bytes
 *   struct cxl_mem_query_commands  { u32 n_commands; u32 rsvd; cxl_command_info commands[]; }
 *   struct cxl_send_command        { u32 id; u32 flags; union { struct { u16 opcode; u16 rsvd; } raw;
 *                                    u32 rsvd; }; u32 retval;
 *                                    struct { u32 size; u32 rsvd; u64 payload; } in, out; }  48 bytes
 */

/** _IOR(0xCE, 1, struct cxl_mem_query_commands): read, size 8. */
export const CXL_MEM_QUERY_COMMANDS = ((2 << 30) | (8 << 16) | (0xce << 8) | 1) >>> 0;
/** _IOWR(0xCE, 2, struct cxl_send_command): read and write, size 48. */
export const CXL_MEM_SEND_COMMAND = ((3 << 30) | (48 << 16) | (0xce << 8) | 2) >>> 0;

/** Ioctl names a caller may use instead of numbers. */
export const cxlMemIoctls = { CXL_MEM_QUERY_COMMANDS, CXL_MEM_SEND_COMMAND } as const;

export const CXL_COMMAND_INFO_SIZE = 16;
export const CXL_MEM_QUERY_COMMANDS_SIZE = 8;
export const CXL_SEND_COMMAND_SIZE = 48;

/** CXL_MEM_COMMAND_FLAG_ENABLED, _EXCLUSIVE; CXL_MEM_COMMAND_FLAG_MASK (the valid flags of a send). */
export const CXL_MEM_COMMAND_FLAG_ENABLED = 1 << 0;
export const CXL_MEM_COMMAND_FLAG_EXCLUSIVE = 1 << 1;
export const CXL_MEM_COMMAND_FLAG_MASK = 0x3;
/** CXL_VARIABLE_PAYLOAD (~0U) as the table's size_in/size_out. */
export const CXL_VARIABLE_PAYLOAD = 0xffffffff;

export interface CxlCommandInfo {
  readonly id: number;
  readonly flags: number;
  readonly sizeIn: number;
  readonly sizeOut: number;
}

export function encodeCxlCommandInfo(i: CxlCommandInfo): Uint8Array {
  const b = new Uint8Array(CXL_COMMAND_INFO_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, i.id >>> 0, true);
  v.setUint32(4, i.flags >>> 0, true);
  v.setUint32(8, i.sizeIn >>> 0, true);
  v.setUint32(12, i.sizeOut >>> 0, true);
  return b;
}

export function decodeCxlCommandInfo(b: Uint8Array): CxlCommandInfo {
  const v = new DataView(b.buffer, b.byteOffset, CXL_COMMAND_INFO_SIZE);
  return { id: v.getUint32(0, true), flags: v.getUint32(4, true), sizeIn: v.getUint32(8, true), sizeOut: v.getUint32(12, true) };
}

/** struct cxl_send_command, decoded (raw.opcode and raw.rsvd overlay `rsvd`). */
export interface CxlSendCommandStruct {
  id: number;
  flags: number;
  rawOpcode: number;
  rawRsvd: number;
  retval: number;
  inSize: number;
  inRsvd: number;
  inPayload: bigint;
  outSize: number;
  outRsvd: number;
  outPayload: bigint;
}

export function decodeCxlSendCommand(b: Uint8Array): CxlSendCommandStruct {
  const v = new DataView(b.buffer, b.byteOffset, CXL_SEND_COMMAND_SIZE);
  return {
    id: v.getUint32(0, true),
    flags: v.getUint32(4, true),
    rawOpcode: v.getUint16(8, true),
    rawRsvd: v.getUint16(10, true),
    retval: v.getUint32(12, true),
    inSize: v.getUint32(16, true),
    inRsvd: v.getUint32(20, true),
    inPayload: v.getBigUint64(24, true),
    outSize: v.getUint32(32, true),
    outRsvd: v.getUint32(36, true),
    outPayload: v.getBigUint64(40, true),
  };
}

export function encodeCxlSendCommand(s: CxlSendCommandStruct): Uint8Array {
  const b = new Uint8Array(CXL_SEND_COMMAND_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, s.id >>> 0, true);
  v.setUint32(4, s.flags >>> 0, true);
  v.setUint16(8, s.rawOpcode & 0xffff, true);
  v.setUint16(10, s.rawRsvd & 0xffff, true);
  v.setUint32(12, s.retval >>> 0, true);
  v.setUint32(16, s.inSize >>> 0, true);
  v.setUint32(20, s.inRsvd >>> 0, true);
  v.setBigUint64(24, s.inPayload, true);
  v.setUint32(32, s.outSize >>> 0, true);
  v.setUint32(36, s.outRsvd >>> 0, true);
  v.setBigUint64(40, s.outPayload, true);
  return b;
}
