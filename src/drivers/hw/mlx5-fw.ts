/**
 * The command interface of a ConnectX function's firmware, as far as fwctl reaches it: PRM
 * mailboxes in big-endian layout (in: opcode u16 @0, uid u16 @2, op_mod u16 @6; out: status u8
 * @0, syndrome u32 @4), user contexts (CREATE_UCTX hands out a UID, DESTROY_UCTX frees it), and
 * the query/set commands of the fwctl allow list answered with status OK. What this model does
 * not implement answers BAD_OP, a bad capability type BAD_PARAM, a UID that is not allocated
 * BAD_PARAM — each with a syndrome, as firmware reports failures inside the output.
 *
 * One firmware per hardware function (kept beside it, not in config space): `mlx5FirmwareOf`.
 */
import { IdAllocator, sideTable } from '../../base/index.js';

/** Command status codes (MLX5_CMD_STAT_*). */
export const mlx5CmdStatus = { OK: 0x0, INT_ERR: 0x1, BAD_OP: 0x2, BAD_PARAM: 0x3, BAD_SYS_STATE: 0x4, BAD_RES: 0x5 } as const;

export const MLX5_CMD_OP_CREATE_UCTX = 0xa04;
export const MLX5_CMD_OP_DESTROY_UCTX = 0xa06;
export const MLX5_CMD_OP_QUERY_HCA_CAP = 0x100;
/** MLX5_UCTX_OBJECT_CAP_TOOLS_RESOURCES: the uctx_cap bit this firmware advertises. */
export const MLX5_UCTX_CAP_TOOLS_RESOURCES = 0x4;
/** The mbox_in_hdr / mbox_out_hdr size (16 bytes). */
export const MLX5_MBOX_HDR_SIZE = 16;

/** Synthetic syndromes (real firmware's are opaque 32-bit values). */
const SYNDROME_BAD_OP = 0x00bad0;
const SYNDROME_BAD_PARAM = 0x0bad1d;

/** One executed command, for observers (the UID the firmware saw is the driver's). */
export interface Mlx5CommandRecord {
  readonly opcode: number;
  readonly uid: number;
  readonly opMod: number;
  readonly status: number;
}

export class Mlx5Firmware {
  /** HCA cap `uctx_cap`. */
  readonly uctxCap = MLX5_UCTX_CAP_TOOLS_RESOURCES;
  readonly #uids = new IdAllocator(1);
  readonly #live = new Map<number, number>();
  readonly log: Mlx5CommandRecord[] = [];

  constructor(
    /** Opcodes answered with status OK besides the UCTX commands. */
    private readonly implemented: ReadonlySet<number>,
  ) {}

  /** UIDs allocated and not destroyed. */
  get liveUids(): number {
    return this.#live.size;
  }

  /**
   * mlx5_cmd_do's view of the device: run one command of `input` with an `outLen`-byte output.
   * The output carries the status; the caller maps a non-zero status to EREMOTEIO.
   */
  exec(input: Uint8Array, outLen: number): Uint8Array {
    const inp = new DataView(input.buffer, input.byteOffset, input.byteLength);
    const opcode = input.length >= 2 ? inp.getUint16(0) : 0;
    const uid = input.length >= 4 ? inp.getUint16(2) : 0;
    const opMod = input.length >= 8 ? inp.getUint16(6) : 0;
    const out = new Uint8Array(outLen);
    const o = new DataView(out.buffer);
    const fail = (status: number, syndrome: number) => {
      out[0] = status;
      if (outLen >= 8) o.setUint32(4, syndrome);
      return status;
    };
    let status: number = mlx5CmdStatus.OK;
    if (uid !== 0 && !this.#live.has(uid)) status = fail(mlx5CmdStatus.BAD_PARAM, SYNDROME_BAD_PARAM);
    else if (opcode === MLX5_CMD_OP_CREATE_UCTX) {
      const caps = input.length >= 0x18 ? inp.getUint32(0x14) : 0;
      const newUid = this.#uids.alloc();
      this.#live.set(newUid, caps);
      // create_uctx_out: uid at bits 0x50-0x5f.
      if (outLen >= 12) o.setUint16(10, newUid);
    } else if (opcode === MLX5_CMD_OP_DESTROY_UCTX) {
      if (!this.#live.delete(uid)) status = fail(mlx5CmdStatus.BAD_PARAM, SYNDROME_BAD_PARAM);
      else this.#uids.free(uid);
    } else if (!this.implemented.has(opcode)) status = fail(mlx5CmdStatus.BAD_OP, SYNDROME_BAD_OP);
    else if (opcode === MLX5_CMD_OP_QUERY_HCA_CAP && opMod >> 1 > 0x40) status = fail(mlx5CmdStatus.BAD_PARAM, SYNDROME_BAD_PARAM);
    this.log.push({ opcode, uid, opMod, status });
    return out;
  }

  /** CREATE_UCTX with `caps`; returns the UID. */
  createUctx(caps: number): number {
    const input = new Uint8Array(0x60);
    const v = new DataView(input.buffer);
    v.setUint16(0, MLX5_CMD_OP_CREATE_UCTX);
    v.setUint32(0x14, caps);
    const out = this.exec(input, 16);
    return new DataView(out.buffer).getUint16(10);
  }

  /** DESTROY_UCTX of `uid` (run with the UID in the header, as the firmware checks it). */
  destroyUctx(uid: number): number {
    const input = new Uint8Array(16);
    const v = new DataView(input.buffer);
    v.setUint16(0, MLX5_CMD_OP_DESTROY_UCTX);
    v.setUint16(2, uid);
    return this.exec(input, 16)[0]!;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#uids, this.#live];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

const firmwares = sideTable(new WeakMap<object, Mlx5Firmware>());

/** The firmware of a ConnectX hardware function (made on first use). */
export function mlx5FirmwareOf(hw: object, implemented: ReadonlySet<number>): Mlx5Firmware {
  let fw = firmwares.get(hw);
  if (!fw) {
    fw = new Mlx5Firmware(implemented);
    firmwares.set(hw, fw);
  }
  return fw;
}
