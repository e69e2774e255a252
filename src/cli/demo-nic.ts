/**
 * The NIC split section of `auxbus demo`: the ConnectX function's kernel users side by side with
 * the CXL device's — the class devices each PCI function's auxiliary drivers registered below it
 * (eth0, mlx5_0 and uverbs0, fwctl0 / fwctl1) with the node userspace opens, if any.
 */
import { Devtmpfs, type Machine, ownerName } from '../machine/index.js';
import type { CliIo } from './io.js';

/** The class devices below each PCI function that has any, in registration order. */
export function splitRows(machine: Machine): string[] {
  const rows: string[] = [];
  const byFunction = new Map<string, string[]>();
  for (const dev of machine.core.devices) {
    if (!dev.class || !dev.parent || dev.parent.bus?.name !== 'pci') continue;
    const node = dev.devt ? Devtmpfs.nodePath(dev) : undefined;
    const list = byFunction.get(dev.parent.name) ?? [];
    list.push(`${dev.name} (${dev.class.name})${node ? ` ${node}` : ''} owner=${ownerName(dev)}`);
    byFunction.set(dev.parent.name, list);
  }
  for (const [fn, list] of [...byFunction].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push(`${fn}:`);
    for (const entry of list) rows.push(`  ${entry}`);
  }
  return rows;
}

/** Load the split's child drivers when udev's autoload did not, then print the rows. */
export function showSplit(machine: Machine, io: CliIo, note: (text: string) => void): void {
  for (const name of ['mlx5_ib', 'mlx5_fwctl', 'cxl_fwctl']) {
    if (!machine.modules.isLoaded(name) && machine.modules.available.some((m) => m.name === name)) {
      machine.modprobe(name);
      machine.settle();
    }
  }
  for (const row of splitRows(machine)) io.stdout(`${row}\n`);
  note('mlx5_core split 0000:03:00.0 into mlx5_core.eth.0, .rdma.0 and .fwctl.0; their drivers');
  note('registered eth0 (net), mlx5_0 and uverbs0 (RDMA) and an fwctl device, all below the');
  note('PCI function, as cxl_pci.fwctl.0 did for the CXL device.');
}
