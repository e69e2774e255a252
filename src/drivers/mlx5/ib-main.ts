/**
 * mlx5_ib (drivers/infiniband/hw/mlx5/main.c): module `mlx5_ib` (needs ib_core, ib_uverbs and
 * mlx5_core), auxiliary driver `mlx5_ib.rdma` for `mlx5_core.rdma.N`, which registers the RDMA
 * device "mlx5_%d" below the PCI function (`mlx5_0`), RoCE on its one port (link layer
 * Ethernet, port down while the netdev is). The `mlx5_ib.multiport` and `mlx5_ib.rdma-rep`
 * drivers of the same module (multi-port and switchdev representors) are not modelled.
 *
 * Identity: the node and system image GUIDs are the function's EUI-64 (its serial number); the
 * port's GID 0 is the link-local address from the MAC (modified EUI-64); firmware version, HCA
 * type and board id are those of a ConnectX-6 Dx.
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
import { IB_CORE_MODNAME, IbCore, IbDevice, IIbCore } from '../infiniband/device.js';
import { IB_UVERBS_MODNAME } from '../infiniband/uverbs-main.js';
import { macFromDsn, pciGetDsn } from './en-main.js';
import { MLX5_CORE_MODNAME, type Mlx5AdevRef } from './main.js';

export const MLX5_IB_MODNAME = 'mlx5_ib';

/** mlx5r_id_table (the rdma entry). */
export const mlx5IbIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'mlx5_core.rdma' }];

/** MLX5_IB_UVERBS_ABI_VERSION. */
export const MLX5_IB_UVERBS_ABI_VERSION = 1;

/** fe80::/64 with the MAC's modified EUI-64 (universal/local bit flipped, ff:fe inserted). */
export function linkLocalGid(mac: Uint8Array): Uint8Array {
  return Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!);
}

@injectable()
export class Mlx5IbModule extends AuxiliaryDriverModule {
  constructor(
    @inject(IAuxiliaryBus) aux: AuxiliaryBus,
    @inject(IIbCore) private readonly ib: IbCore,
  ) {
    super(aux, MLX5_IB_MODNAME, { name: 'rdma', idTable: mlx5IbIdTable });
  }

  /** mlx5r_probe → __mlx5_ib_add → ib_register_device(…, "mlx5_%d", parent). */
  protected probe(adev: AuxiliaryDevice): void {
    const ref = adev.platformData as Mlx5AdevRef | undefined;
    if (ref?.kind !== 'mlx5-adev') throw kerr('ENODEV', `${adev.name}: not an mlx5 auxiliary device`);
    const dsn = pciGetDsn(ref.pdev);
    const mac = macFromDsn(dsn);
    const dev = new IbDevice({
      name: 'mlx5_%d',
      parent: ref.pdev,
      nodeGuid: dsn,
      sysImageGuid: dsn,
      fwVer: '22.39.1002',
      hcaType: ref.pdev.physfn ? 'MT4126' : 'MT4125',
      boardId: 'MT_0000000359',
      ports: [{ state: 1, physState: 3, linkLayer: 'Ethernet', gid0: linkLocalGid(mac) }],
      uverbsAbiVer: MLX5_IB_UVERBS_ABI_VERSION,
      canDisassociate: true,
    });
    this.ib.registerDevice(dev);
    adev.driverData = dev;
  }

  /** mlx5r_remove → ib_unregister_device. */
  protected override remove(adev: AuxiliaryDevice): void {
    const dev = adev.driverData;
    if (dev instanceof IbDevice) this.ib.unregisterDevice(dev);
    adev.driverData = undefined;
  }
}

export const mlx5IbModuleInfo = defineModule(
  {
    name: MLX5_IB_MODNAME,
    depends: [IB_CORE_MODNAME, IB_UVERBS_MODNAME, MLX5_CORE_MODNAME],
    aliases: auxiliaryModuleAliases(mlx5IbIdTable),
    description: 'Mellanox 5th generation network adapters (ConnectX series) IB driver',
  },
  Mlx5IbModule,
);
