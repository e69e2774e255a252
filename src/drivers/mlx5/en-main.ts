/**
 * mlx5e, the Ethernet part of mlx5_core (drivers/net/ethernet/mellanox/mlx5/core/en_main.c): the
 * auxiliary driver `mlx5_core.eth` (id table `mlx5_core.eth`, registered by mlx5_core's init
 * before its PCI driver) creates one netdev per function in probe and unregisters it in remove.
 *
 * - The netdev hangs below the PCI function, not below the auxiliary device
 *   (SET_NETDEV_DEV(netdev, mdev->device)): DEVPATH `.../0000:03:00.0/net/eth0`.
 * - Its address is the function's permanent MAC from firmware; this model derives it from the
 *   Device Serial Number, which on ConnectX is the EUI-64 form of that MAC. A VF without an
 *   administrator-set MAC gets a random one ("Assigned random MAC address"), NET_ADDR_RANDOM;
 *   here "random" is a deterministic function of the VF's address so that runs repeat.
 * - A PF's netdev has the devlink port of flavour PHYSICAL, port number 0: phys_port_name "p0";
 *   a VF's port name is unset (phys_port_name fails EOPNOTSUPP).
 * - The interface stays down (operstate "down", carrier unreadable) until brought up, which this
 *   model does not do.
 */
import { kerr } from '../../base/index.js';
import { type AuxiliaryBus, type AuxiliaryDevice, type AuxiliaryDeviceId, AuxiliaryDriver } from '../../aux/index.js';
import { ONLINE_CPUS, type PciDevice, pciExtCapIds, pciFindExtCapability } from '../../pci/index.js';
import { NetDevice, type NetCore, netAddrAssign } from '../net/index.js';
import type { Mlx5AdevRef } from './main.js';

/** mlx5e_id_table. */
export const mlx5eIdTable: readonly AuxiliaryDeviceId[] = [{ name: 'mlx5_core.eth' }];

/** The MTU range mlx5e advertises (MLX5E_HW2SW_MTU of the port's maximum). */
export const MLX5E_MAX_MTU = 9978;

function mlx5AdevRef(adev: AuxiliaryDevice): Mlx5AdevRef {
  const ref = adev.platformData as Mlx5AdevRef | undefined;
  if (ref?.kind !== 'mlx5-adev') throw kerr('ENODEV', `${adev.name}: not an mlx5 auxiliary device`);
  return ref;
}

/** pci_get_dsn: the 64-bit serial, or 0n without the capability. */
export function pciGetDsn(pdev: PciDevice): bigint {
  const pos = pciFindExtCapability(pdev, pciExtCapIds.DSN);
  if (!pos) return 0n;
  const lo = BigInt(pdev.configRead(pos + 4, 4) >>> 0);
  const hi = BigInt(pdev.configRead(pos + 8, 4) >>> 0);
  return (hi << 32n) | lo;
}

/** The MAC inside an EUI-64 serial: bytes 7..5 and 2..0 (the middle two are the EUI-64 filler). */
export function macFromDsn(dsn: bigint): Uint8Array {
  const b = (i: number) => Number((dsn >> BigInt(8 * i)) & 0xffn);
  return Uint8Array.of(b(7), b(6), b(5), b(2), b(1), b(0));
}

/** eth_hw_addr_random's result, made reproducible: locally administered, unicast. */
function vfRandomMac(pdev: PciDevice): Uint8Array {
  return Uint8Array.of(0x02, 0x5c, 0x1e, pdev.busNumber & 0xff, pdev.devfn & 0xff, 0x01);
}

export class Mlx5eDriver {
  readonly driver: AuxiliaryDriver;

  constructor(
    private readonly aux: AuxiliaryBus,
    private readonly net: NetCore,
  ) {
    this.driver = new AuxiliaryDriver({
      name: 'eth',
      idTable: mlx5eIdTable,
      probe: (adev) => this.#probe(adev),
      remove: (adev) => this.#remove(adev),
    });
  }

  /** mlx5e_init: register the auxiliary driver (binds existing eth devices at once). */
  register(modname: string): void {
    this.aux.driverRegister(this.driver, modname);
  }

  unregister(): void {
    this.aux.driverUnregister(this.driver);
  }

  /** mlx5e_probe: build the netdev, then register_netdev. */
  #probe(adev: AuxiliaryDevice): void {
    const { pdev } = mlx5AdevRef(adev);
    const isVf = pdev.physfn !== undefined;
    const dsn = pciGetDsn(pdev);
    const address = !isVf && dsn !== 0n ? macFromDsn(dsn) : vfRandomMac(pdev);
    const netdev = new NetDevice({
      name: 'eth%d',
      parent: pdev,
      address,
      addrAssignType: isVf || dsn === 0n ? netAddrAssign.RANDOM : netAddrAssign.PERM,
      mtu: 1500,
      minMtu: 68,
      maxMtu: MLX5E_MAX_MTU,
      ...(isVf ? {} : { physPortName: 'p0' }),
      // One channel per online CPU (mlx5e_get_default_num_channels), one RX and one TX queue
      // each with a single traffic class; alloc_etherdev_mqs sized for MLX5_MAX_NUM_TC (8).
      rxQueues: ONLINE_CPUS,
      txQueues: ONLINE_CPUS,
      numTxQueues: ONLINE_CPUS * 8,
    });
    this.net.register(netdev);
    adev.driverData = netdev;
  }

  /** mlx5e_remove: unregister_netdev. */
  #remove(adev: AuxiliaryDevice): void {
    const netdev = adev.driverData;
    if (netdev instanceof NetDevice) this.net.unregister(netdev);
    adev.driverData = undefined;
  }
}
