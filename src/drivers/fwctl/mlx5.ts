/**
 * mlx5_fwctl (drivers/fwctl/mlx5/main.c): binds `mlx5_core.fwctl.N` and registers a fwctl device
 * of type MLX5 below the ConnectX PCI function. Each open file gets a firmware user context
 * (CREATE_UCTX, with TOOLS_RESOURCES when the firmware has it; DESTROY_UCTX on close or on
 * unregister); FWCTL_INFO returns `struct fwctl_info_mlx5` {uid, uctx_caps}. An RPC is a PRM
 * command: in ≥ 16 and out_len ≥ 16 bytes (else EMSGSIZE), an opcode allowed at the scope
 * (`mlx5ctl_validate_rpc`, else EBADMSG), the UID forced to the file's, and a firmware failure
 * with valid output returned as success with the status inside. out_len is never changed.
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
import { FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_RPC_DEBUG_WRITE, encodeFwctlInfoMlx5, fwctlDeviceTypes } from '../../protocols/index.js';
import { MLX5_MBOX_HDR_SIZE, type Mlx5Firmware, mlx5FirmwareOf } from '../hw/mlx5-fw.js';
import type { Mlx5AdevRef } from '../mlx5/main.js';
import { type FwctlCore, type FwctlDevice, type FwctlOps, type FwctlUctx, FWCTL_MODNAME, IFwctlCore } from './main.js';

export const MLX5_FWCTL_MODNAME = 'mlx5_fwctl';

export const mlx5FwctlIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'mlx5_core.fwctl' }];

/** PRM opcodes of the allow list (include/linux/mlx5/mlx5_ifc.h and the driver's own enum). */
export const mlx5Opcodes = {
  QUERY_HCA_CAP: 0x100,
  QUERY_ADAPTER: 0x101,
  QUERY_PAGES: 0x107,
  SET_HCA_CAP: 0x109,
  QUERY_ISSI: 0x10a,
  QUERY_DRIVER_VERSION: 0x10c,
  QUERY_OTHER_HCA_CAP: 0x10e,
  QUERY_SF_PARTITION: 0x111,
  QUERY_VHCA_MIGRATION_STATE: 0x117,
  QUERY_MKEY: 0x201,
  QUERY_SPECIAL_CONTEXTS: 0x203,
  QUERY_EQ: 0x303,
  QUERY_CQ: 0x402,
  QUERY_QP: 0x50b,
  QUERY_RDB: 0x512,
  QUERY_PSV: 0x602,
  QUERY_SRQ: 0x702,
  QUERY_XRC_SRQ: 0x707,
  QUERY_DCT: 0x713,
  QUERY_DC_CNAK_TRACE: 0x716,
  QUERY_XRQ: 0x719,
  QUERY_NVMF_BACKEND_CONTROLLER: 0x722,
  QUERY_XRQ_DC_PARAMS_ENTRY: 0x725,
  QUERY_XRQ_ERROR_PARAMS: 0x727,
  QUERY_NVMF_NAMESPACE_CONTEXT: 0x728,
  QUERY_ADJACENT_FUNCTIONS_ID: 0x730,
  DELEGATE_VHCA_MANAGEMENT: 0x731,
  QUERY_DELEGATED_VHCA: 0x732,
  QUERY_ESW_FUNCTIONS: 0x740,
  QUERY_VPORT_STATE: 0x750,
  QUERY_ESW_VPORT_CONTEXT: 0x752,
  QUERY_NIC_VPORT_CONTEXT: 0x754,
  QUERY_ROCE_ADDRESS: 0x760,
  QUERY_HCA_VPORT_CONTEXT: 0x762,
  QUERY_HCA_VPORT_GID: 0x764,
  QUERY_HCA_VPORT_PKEY: 0x765,
  QUERY_VNIC_ENV: 0x76f,
  QUERY_VPORT_COUNTER: 0x770,
  QUERY_Q_COUNTER: 0x773,
  QUERY_RATE_LIMIT: 0x781,
  QUERY_SCHEDULING_ELEMENT: 0x784,
  ACCESS_REG: 0x805,
  QUERY_MAD_DEMUX: 0x80b,
  NOP: 0x80d,
  QUERY_BURST_SIZE: 0x813,
  QUERY_DIAGNOSTIC_PARAMS: 0x819,
  SET_DIAGNOSTIC_PARAMS: 0x820,
  QUERY_DIAGNOSTIC_COUNTERS: 0x821,
  QUERY_CONG_STATUS: 0x822,
  MODIFY_CONG_STATUS: 0x823,
  QUERY_CONG_PARAMS: 0x824,
  QUERY_CONG_STATISTICS: 0x826,
  QUERY_L2_TABLE_ENTRY: 0x82a,
  QUERY_WOL_ROL: 0x831,
  QUERY_LAG: 0x842,
  QUERY_TIR: 0x903,
  QUERY_SQ: 0x907,
  QUERY_RQ: 0x90b,
  QUERY_RMP: 0x90f,
  QUERY_DELAY_DROP_PARAMS: 0x911,
  QUERY_TIS: 0x915,
  QUERY_RQT: 0x919,
  QUERY_FLOW_TABLE: 0x932,
  QUERY_FLOW_GROUP: 0x935,
  QUERY_FLOW_TABLE_ENTRY: 0x937,
  QUERY_FLOW_COUNTER: 0x93b,
  QUERY_PACKET_REFORMAT_CONTEXT: 0x93f,
  QUERY_MODIFY_HEADER_CONTEXT: 0x942,
  FPGA_QUERY_QP: 0x962,
  FPGA_QUERY_QP_COUNTERS: 0x964,
  QUERY_AFU: 0x971,
  QUERY_CAPI_PEC: 0x981,
  QUERY_GENERAL_OBJECT: 0xa02,
  QUERY_UCTX: 0xa05,
  QUERY_UMEM: 0xa09,
  QUERY_NVMF_CC_RESPONSE: 0xb02,
  QUERY_EMULATED_FUNCTIONS_INFO: 0xb03,
  QUERY_REGEXP_PARAMS: 0xb05,
  QUERY_REGEXP_REGISTER: 0xb07,
  USER_QUERY_XRQ_DC_PARAMS_ENTRY: 0xb08,
  USER_QUERY_XRQ_ERROR_PARAMS: 0xb0a,
  ACCESS_REGISTER_USER: 0xb0c,
  QUERY_VHCA_STATE: 0xb0d,
  QUERY_EMULATION_DEVICE_EQ_MSIX_MAPPING: 0xb0f,
  QUERY_MATCH_SAMPLE_INFO: 0xb13,
  QUERY_CRYPTO_STATE: 0xb14,
  QUERY_VUID: 0xb22,
  QUERY_DPA_PARTITION: 0xb28,
  QUERY_DPA_PARTITIONS: 0xb2a,
  POSTPONE_CONNECTED_QP_TIMEOUT: 0xb2e,
  QUERY_EMULATED_RESOURCES_INFO: 0xb2f,
  QUERY_RSV_RESOURCES: 0x8000,
  QUERY_MTT: 0x8001,
  QUERY_SCHED_QUEUE: 0x8006,
} as const;
export type Mlx5OpcodeName = keyof typeof mlx5Opcodes;

/** What `mlx5ctl_validate_rpc` requires of an opcode (current mainline, @42d3b66d). */
export type Mlx5ScopeRule = 'any' | 'debug-read-only' | 'debug-write' | 'access-reg';

const O = mlx5Opcodes;
/** The allow list as a table: opcode → rule. Anything absent is rejected (EBADMSG). */
export const mlx5ctlAllowList: ReadonlyMap<number, Mlx5ScopeRule> = new Map<number, Mlx5ScopeRule>([
  // Allowed at every scope.
  ...[
    O.MODIFY_CONG_STATUS,
    O.POSTPONE_CONNECTED_QP_TIMEOUT,
    O.QUERY_ADAPTER,
    O.QUERY_ESW_FUNCTIONS,
    O.QUERY_HCA_CAP,
    O.QUERY_HCA_VPORT_CONTEXT,
    O.QUERY_OTHER_HCA_CAP,
    O.QUERY_ROCE_ADDRESS,
    O.QUERY_VUID,
    O.DELEGATE_VHCA_MANAGEMENT,
    O.SET_HCA_CAP,
  ].map((op) => [op, 'any'] as const),
  // DEBUG_READ_ONLY or above.
  ...[
    O.FPGA_QUERY_QP_COUNTERS,
    O.FPGA_QUERY_QP,
    O.NOP,
    O.QUERY_AFU,
    O.QUERY_BURST_SIZE,
    O.QUERY_CAPI_PEC,
    O.QUERY_CONG_PARAMS,
    O.QUERY_CONG_STATISTICS,
    O.QUERY_CONG_STATUS,
    O.QUERY_CQ,
    O.QUERY_CRYPTO_STATE,
    O.QUERY_DC_CNAK_TRACE,
    O.QUERY_DCT,
    O.QUERY_DELAY_DROP_PARAMS,
    O.QUERY_DIAGNOSTIC_COUNTERS,
    O.QUERY_DIAGNOSTIC_PARAMS,
    O.QUERY_DPA_PARTITION,
    O.QUERY_DPA_PARTITIONS,
    O.QUERY_DRIVER_VERSION,
    O.QUERY_EMULATED_FUNCTIONS_INFO,
    O.QUERY_EMULATED_RESOURCES_INFO,
    O.QUERY_EMULATION_DEVICE_EQ_MSIX_MAPPING,
    O.QUERY_EQ,
    O.QUERY_ESW_VPORT_CONTEXT,
    O.QUERY_FLOW_COUNTER,
    O.QUERY_FLOW_GROUP,
    O.QUERY_FLOW_TABLE_ENTRY,
    O.QUERY_FLOW_TABLE,
    O.QUERY_GENERAL_OBJECT,
    O.QUERY_HCA_VPORT_GID,
    O.QUERY_HCA_VPORT_PKEY,
    O.QUERY_ISSI,
    O.QUERY_L2_TABLE_ENTRY,
    O.QUERY_LAG,
    O.QUERY_MAD_DEMUX,
    O.QUERY_MATCH_SAMPLE_INFO,
    O.QUERY_MKEY,
    O.QUERY_MODIFY_HEADER_CONTEXT,
    O.QUERY_MTT,
    O.QUERY_NIC_VPORT_CONTEXT,
    O.QUERY_NVMF_BACKEND_CONTROLLER,
    O.QUERY_NVMF_CC_RESPONSE,
    O.QUERY_NVMF_NAMESPACE_CONTEXT,
    O.QUERY_PACKET_REFORMAT_CONTEXT,
    O.QUERY_PAGES,
    O.QUERY_PSV,
    O.QUERY_Q_COUNTER,
    O.QUERY_QP,
    O.QUERY_RATE_LIMIT,
    O.QUERY_RDB,
    O.QUERY_REGEXP_PARAMS,
    O.QUERY_REGEXP_REGISTER,
    O.QUERY_RMP,
    O.QUERY_RQ,
    O.QUERY_RQT,
    O.QUERY_RSV_RESOURCES,
    O.QUERY_SCHED_QUEUE,
    O.QUERY_SCHEDULING_ELEMENT,
    O.QUERY_SF_PARTITION,
    O.QUERY_SPECIAL_CONTEXTS,
    O.QUERY_SQ,
    O.QUERY_SRQ,
    O.QUERY_TIR,
    O.QUERY_TIS,
    O.QUERY_UCTX,
    O.QUERY_UMEM,
    O.QUERY_VHCA_MIGRATION_STATE,
    O.QUERY_VHCA_STATE,
    O.QUERY_VNIC_ENV,
    O.QUERY_VPORT_COUNTER,
    O.QUERY_VPORT_STATE,
    O.QUERY_WOL_ROL,
    O.QUERY_XRC_SRQ,
    O.QUERY_XRQ_DC_PARAMS_ENTRY,
    O.QUERY_XRQ_ERROR_PARAMS,
    O.QUERY_XRQ,
    O.USER_QUERY_XRQ_DC_PARAMS_ENTRY,
    O.USER_QUERY_XRQ_ERROR_PARAMS,
    O.QUERY_ADJACENT_FUNCTIONS_ID,
    O.QUERY_DELEGATED_VHCA,
  ].map((op) => [op, 'debug-read-only'] as const),
  [O.SET_DIAGNOSTIC_PARAMS, 'debug-write'],
  // op_mod 0 (write) at any scope, a read needs DEBUG_READ_ONLY.
  [O.ACCESS_REG, 'access-reg'],
  [O.ACCESS_REGISTER_USER, 'access-reg'],
]);

/** mlx5ctl_validate_rpc: whether `opcode`/`opMod` may run at `scope`. */
export function mlx5ctlValidateRpc(opcode: number, opMod: number, scope: number): boolean {
  switch (mlx5ctlAllowList.get(opcode)) {
    case 'any':
      return true;
    case 'debug-read-only':
      return scope >= FWCTL_RPC_DEBUG_READ_ONLY;
    case 'debug-write':
      return scope >= FWCTL_RPC_DEBUG_WRITE;
    case 'access-reg':
      return opMod === 0 || scope >= FWCTL_RPC_DEBUG_READ_ONLY;
    default:
      return false;
  }
}

/** Every opcode the allow list names: the simulated firmware implements exactly these. */
export const mlx5FirmwareCommands: ReadonlySet<number> = new Set(mlx5ctlAllowList.keys());

/** struct mlx5ctl_uctx. */
interface Mlx5ctlUctx {
  uctxCaps: number;
  uid: number;
}

/** struct mlx5ctl_dev. */
interface Mlx5ctlDev {
  readonly fwctl: FwctlDevice;
  readonly fw: Mlx5Firmware;
}

function mlx5ctlOps(fw: Mlx5Firmware): FwctlOps {
  return {
    deviceType: fwctlDeviceTypes.MLX5,
    /** mlx5ctl_open_uctx: TOOLS_RESOURCES if the firmware has it, then CREATE_UCTX. */
    openUctx: (uctx: FwctlUctx) => {
      const mfd: Mlx5ctlUctx = { uctxCaps: 0, uid: 0 };
      if (fw.uctxCap & 0x4) mfd.uctxCaps |= 0x4;
      mfd.uid = fw.createUctx(mfd.uctxCaps);
      uctx.priv = mfd;
    },
    closeUctx: (uctx: FwctlUctx) => {
      fw.destroyUctx((uctx.priv as Mlx5ctlUctx).uid);
    },
    info: (uctx: FwctlUctx) => {
      const mfd = uctx.priv as Mlx5ctlUctx;
      return encodeFwctlInfoMlx5(mfd.uid, mfd.uctxCaps);
    },
    /** mlx5ctl_fw_rpc. */
    fwRpc: (uctx: FwctlUctx, scope: number, input: Uint8Array, outLen: number) => {
      const mfd = uctx.priv as Mlx5ctlUctx;
      if (input.length < MLX5_MBOX_HDR_SIZE || outLen < MLX5_MBOX_HDR_SIZE) {
        throw kerr('EMSGSIZE', `mlx5_fwctl: in ${input.length} / out ${outLen} below the 16-byte mailbox header`);
      }
      const v = new DataView(input.buffer, input.byteOffset, input.byteLength);
      const opcode = v.getUint16(0);
      const opMod = v.getUint16(6);
      if (!mlx5ctlValidateRpc(opcode, opMod, scope))
        throw kerr('EBADMSG', `mlx5_fwctl: opcode 0x${opcode.toString(16)} not allowed at scope ${scope}`);
      // Enforce the user context for the command.
      v.setUint16(2, mfd.uid);
      // mlx5_cmd_do: a status inside the output is -EREMOTEIO, which the driver passes as success.
      return { out: fw.exec(input, outLen), outLen };
    },
  };
}

@injectable()
export class Mlx5FwctlModule extends AuxiliaryDriverModule {
  constructor(
    @inject(IAuxiliaryBus) aux: AuxiliaryBus,
    @inject(IFwctlCore) private readonly fwctl: FwctlCore,
  ) {
    super(aux, MLX5_FWCTL_MODNAME, { name: 'mlx5_fwctl', idTable: mlx5FwctlIdTable });
  }

  /** mlx5ctl_probe: a fwctl device below the mlx5 core's PCI function, registered. */
  protected probe(adev: AuxiliaryDevice): void {
    const ref = adev.platformData as Mlx5AdevRef | undefined;
    if (ref?.kind !== 'mlx5-adev') throw kerr('ENODEV', `${adev.name}: not an mlx5 auxiliary device`);
    const fw = mlx5FirmwareOf(ref.pdev.hw, mlx5FirmwareCommands);
    const fwctl = this.fwctl.alloc(ref.pdev, mlx5ctlOps(fw));
    const mcdev: Mlx5ctlDev = { fwctl, fw };
    fwctl.priv = mcdev;
    this.fwctl.registerOrPut(fwctl);
    adev.driverData = fwctl;
  }

  /** mlx5ctl_remove: fwctl_unregister, fwctl_put. */
  protected override remove(adev: AuxiliaryDevice): void {
    const fwctl = adev.driverData as FwctlDevice | undefined;
    if (!fwctl) return;
    this.fwctl.unregisterAndPut(fwctl);
  }
}

export const mlx5FwctlModuleInfo = defineModule(
  {
    name: MLX5_FWCTL_MODNAME,
    depends: [FWCTL_MODNAME, 'mlx5_core'],
    aliases: auxiliaryModuleAliases(mlx5FwctlIdTable),
    description: 'mlx5 ConnectX fwctl driver',
  },
  Mlx5FwctlModule,
);
