/**
 * `lspci [-k] [-nn] [-D] [-s [[DOMAIN:]BUS:]SLOT.FUNC]` as pciutils prints its listing, read from
 * the machine's /sys/bus/pci/devices (vendor, device, class, revision, subsystem ids, driver link,
 * modalias). Names come from a small table of pci.ids entries for the devices this model has;
 * an unknown id prints as lspci does without a name (`Device 0d93`).
 */
import { kerr } from '../../base/index.js';
import { getopt, has, last } from './getopt.js';
import type { ShellCommand, ShellContext } from './types.js';

/** pci.ids: vendor names. */
const vendors: Readonly<Record<number, string>> = {
  0x8086: 'Intel Corporation',
  0x15b3: 'Mellanox Technologies',
  0x1b36: 'Red Hat, Inc.',
  0x1af4: 'Red Hat, Inc.',
};
/** pci.ids: device names, `vvvv:dddd`. */
const devicesIds: Readonly<Record<string, string>> = {
  '1b36:000c': 'QEMU PCIe Root port',
  '15b3:101d': 'MT2892 Family [ConnectX-6 Dx]',
  '15b3:101e': 'ConnectX Family mlx5Gen Virtual Function',
};
/** pci.ids: subsystem names, `vvvv:dddd:ssvv:ssdd` (vendor:device then subsystem ids). */
const subsystemIds: Readonly<Record<string, string>> = {
  '15b3:101d:15b3:0016': 'MT2892 Family [ConnectX-6 Dx]',
};
/** pci.ids: class and subclass names (class << 8 | subclass). */
const classes: Readonly<Record<number, string>> = {
  0x0100: 'SCSI storage controller',
  0x0108: 'Non-Volatile memory controller',
  0x0200: 'Ethernet controller',
  0x0207: 'Infiniband controller',
  0x0500: 'RAM memory',
  0x0502: 'CXL',
  0x0600: 'Host bridge',
  0x0604: 'PCI bridge',
  0x0880: 'System peripheral',
  0x1200: 'Processing accelerators',
};

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

export interface PciFunction {
  readonly bdf: string;
  readonly vendor: number;
  readonly device: number;
  readonly class: number;
  readonly revision: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  readonly driver: string | null;
  readonly modules: readonly string[];
}

function readFunctions(ctx: ShellContext): PciFunction[] {
  const root = ctx.machine.processes.root;
  const num = (dir: string, a: string) => {
    try {
      return parseInt(root.readFile(`${dir}/${a}`).trim(), 16);
    } catch {
      return 0;
    }
  };
  return [...root.readdir('/sys/bus/pci/devices')].sort().map((bdf) => {
    const dir = `/sys/bus/pci/devices/${bdf}`;
    let driver: string | null = null;
    try {
      driver = root.readlink(`${dir}/driver`).split('/').at(-1)!;
    } catch {
      driver = null;
    }
    let modules: string[] = [];
    try {
      modules = [...ctx.machine.modules.resolveAlias(root.readFile(`${dir}/modalias`).trim())];
    } catch {
      modules = [];
    }
    return {
      bdf,
      vendor: num(dir, 'vendor'),
      device: num(dir, 'device'),
      class: num(dir, 'class'),
      revision: num(dir, 'revision'),
      subsystemVendor: num(dir, 'subsystem_vendor'),
      subsystemDevice: num(dir, 'subsystem_device'),
      driver,
      modules,
    };
  });
}

/** `-s [[domain:]bus:][slot][.[func]]` (pci_filter_parse_slot). */
function slotFilter(spec: string): (bdf: string) => boolean {
  const m = /^(?:(?:([0-9a-f]{1,4}):)?([0-9a-f]{0,2}):)?([0-9a-f]{0,2})(?:\.([0-7]?))?$/i.exec(spec);
  if (!m) throw kerr('EINVAL', `-s: Invalid slot number '${spec}'`);
  const [, dom, bus, slot, func] = m;
  return (bdf) => {
    const [d, b, sf] = bdf.split(':') as [string, string, string];
    const [s, f] = sf.split('.') as [string, string];
    const eq = (want: string | undefined, have: string) => want === undefined || want === '' || parseInt(want, 16) === parseInt(have, 16);
    return eq(dom, d) && eq(bus, b) && eq(slot, s) && eq(func, f);
  };
}

function names(f: PciFunction, numeric: boolean): { cls: string; dev: string; sub: string } {
  const ccSub = f.class >> 8;
  const clsName = classes[ccSub] ?? `Class ${hex(ccSub, 4)}`;
  const cls = numeric ? `${clsName} [${hex(ccSub, 4)}]` : clsName;
  const vendor = vendors[f.vendor];
  const devName = devicesIds[`${hex(f.vendor, 4)}:${hex(f.device, 4)}`];
  // An unknown id prints as `Device dddd`; with -nn as `Device [vvvv:dddd]` (pci_lookup_name).
  const ids = `[${hex(f.vendor, 4)}:${hex(f.device, 4)}]`;
  const unknownDev = numeric ? 'Device' : `Device ${hex(f.device, 4)}`;
  let dev = vendor ? `${vendor} ${devName ?? unknownDev}` : numeric ? 'Device' : `Device ${hex(f.vendor, 4)}:${hex(f.device, 4)}`;
  if (numeric) dev += ` ${ids}`;
  const subVendor = vendors[f.subsystemVendor];
  const subName = subsystemIds[`${hex(f.vendor, 4)}:${hex(f.device, 4)}:${hex(f.subsystemVendor, 4)}:${hex(f.subsystemDevice, 4)}`];
  const unknownSub = numeric ? 'Device' : `Device ${hex(f.subsystemDevice, 4)}`;
  let sub = subVendor
    ? `${subVendor} ${subName ?? unknownSub}`
    : numeric
      ? 'Device'
      : `Device ${hex(f.subsystemVendor, 4)}:${hex(f.subsystemDevice, 4)}`;
  if (numeric) sub += ` [${hex(f.subsystemVendor, 4)}:${hex(f.subsystemDevice, 4)}]`;
  return { cls, dev, sub };
}

function lspci(ctx: ShellContext, args: readonly string[]): number {
  const p = getopt(args, [
    { long: 'kernel', short: 'k' },
    { long: 'numeric', short: 'n' },
    { long: 'domain', short: 'D' },
    { long: 'slot', short: 's', arg: true },
  ]);
  if (p.args.length > 0) throw kerr('EINVAL', `unexpected argument '${p.args[0]}'`);
  const numeric = (p.opts.get('numeric')?.length ?? 0) >= 2;
  const onlyNumbers = (p.opts.get('numeric')?.length ?? 0) === 1;
  const sel = last(p, 'slot');
  const all = readFunctions(ctx);
  const fns = sel === undefined ? all : all.filter((f) => slotFilter(sel)(f.bdf));
  const showDomain = has(p, 'domain') || all.some((f) => !f.bdf.startsWith('0000:'));
  for (const f of fns) {
    const addr = showDomain ? f.bdf : f.bdf.slice(5);
    const rev = f.revision !== 0 ? ` (rev ${hex(f.revision, 2)})` : '';
    if (onlyNumbers) ctx.out(`${addr} ${hex(f.class >> 8, 4)}: ${hex(f.vendor, 4)}:${hex(f.device, 4)}${rev}\n`);
    else {
      const n = names(f, numeric);
      ctx.out(`${addr} ${n.cls}: ${n.dev}${rev}\n`);
      if (has(p, 'kernel')) {
        if (f.subsystemVendor !== 0 || f.subsystemDevice !== 0) ctx.out(`\tSubsystem: ${n.sub}\n`);
      }
    }
    if (has(p, 'kernel')) {
      if (onlyNumbers && (f.subsystemVendor !== 0 || f.subsystemDevice !== 0))
        ctx.out(`\tSubsystem: ${hex(f.subsystemVendor, 4)}:${hex(f.subsystemDevice, 4)}\n`);
      if (f.driver) ctx.out(`\tKernel driver in use: ${f.driver}\n`);
      if (f.modules.length > 0) ctx.out(`\tKernel modules: ${f.modules.join(', ')}\n`);
    }
  }
  ctx.data(fns);
  return 0;
}

export const lspciCommand: ShellCommand = {
  name: 'lspci',
  usage: 'lspci [-k] [-n|-nn] [-D] [-s [[DOMAIN:]BUS:]SLOT.FUNC]',
  summary: 'list PCI functions as lspci does (-k: kernel driver in use and modules)',
  completes: 'none',
  run: lspci,
};
