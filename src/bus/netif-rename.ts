/**
 * Renaming a network interface (net/core/dev.c `dev_change_name`, reached through rtnetlink
 * RTM_SETLINK IFLA_IFNAME): what udev's NAME= calls on a machine. The network subsystem that
 * owns netdevs binds `IUdevNetifRenamer`; unbound, a rename fails with ENODEV (there is no
 * interface to rename).
 */
import type { ServiceIdentifier } from 'inversify';

export interface IUdevNetifRenamer {
  rename(ifindex: number, oldName: string, newName: string): void;
}

export const IUdevNetifRenamer: ServiceIdentifier<IUdevNetifRenamer> = Symbol.for('IUdevNetifRenamer');
