/**
 * `driverctl set-override BDF DRIVER | unset-override BDF | list-devices | list-overrides` as
 * driverctl does it for PCI: write driver_override, unbind the current driver, then ask the bus
 * to probe the device again (drivers_probe). Persistence (driverctl's udev rule and
 * /etc/driverctl.d) is not modelled: an override lasts as long as the device.
 */
import { kerr } from '../../base/index.js';
import type { ShellCommand, ShellContext } from './types.js';

const PCI = '/sys/bus/pci/devices';

function bound(ctx: ShellContext, bdf: string): string | null {
  try {
    return ctx.proc.readlink(`${PCI}/${bdf}/driver`).split('/').at(-1)!;
  } catch {
    return null;
  }
}

function override(ctx: ShellContext, bdf: string): string | null {
  const v = ctx.proc.readFile(`${PCI}/${bdf}/driver_override`).trim();
  return v === '(null)' || v === '' ? null : v;
}

/** driverctl's `set_override`/`unset_override`: override, unbind, reprobe. */
function apply(ctx: ShellContext, bdf: string, driver: string | null): void {
  if (!ctx.machine.vfs.exists(`${PCI}/${bdf}`)) throw kerr('ENODEV', `${bdf}: no such PCI device`);
  ctx.proc.writeFile(`${PCI}/${bdf}/driver_override`, driver === null ? '\n' : `${driver}\n`);
  const cur = bound(ctx, bdf);
  if (cur !== null) ctx.proc.writeFile(`${PCI}/${bdf}/driver/unbind`, bdf);
  ctx.machine.settle();
  ctx.proc.writeFile('/sys/bus/pci/drivers_probe', bdf);
  ctx.machine.settle();
}

export const driverctlCommand: ShellCommand = {
  name: 'driverctl',
  usage: 'driverctl set-override BDF DRIVER | unset-override BDF | list-devices | list-overrides',
  summary: 'pin a PCI device to a driver (override + unbind + drivers_probe), as driverctl does',
  completes: (s, i) =>
    i === 1 ? ['set-override', 'unset-override', 'list-devices', 'list-overrides'] : i === 2 ? s.machine.processes.root.readdir(PCI) : [],
  run(ctx, args) {
    const [verb, bdf, driver] = args;
    const devices = [...ctx.proc.readdir(PCI)].sort();
    switch (verb) {
      case 'set-override':
        if (bdf === undefined || driver === undefined) throw kerr('EINVAL', 'usage: driverctl set-override BDF DRIVER');
        apply(ctx, bdf, driver);
        return bound(ctx, bdf) === driver ? 0 : (ctx.err(`driverctl: ${bdf}: not bound to ${driver} after the override\n`), 1);
      case 'unset-override':
        if (bdf === undefined) throw kerr('EINVAL', 'usage: driverctl unset-override BDF');
        if (override(ctx, bdf) === null) throw kerr('EINVAL', `${bdf}: no override`);
        apply(ctx, bdf, null);
        return 0;
      case 'list-devices': {
        const rows = devices.map((d) => ({ device: d, driver: bound(ctx, d), override: override(ctx, d) !== null }));
        for (const r of rows) ctx.out(`${r.device} ${r.driver ?? '(none)'}${r.override ? ' [*]' : ''}\n`);
        ctx.data(rows);
        return 0;
      }
      case 'list-overrides': {
        const rows = devices.flatMap((d) => {
          const o = override(ctx, d);
          return o === null ? [] : [{ device: d, driver: o }];
        });
        for (const r of rows) ctx.out(`${r.device} ${r.driver}\n`);
        ctx.data(rows);
        return 0;
      }
      default:
        throw kerr('EINVAL', `unknown command '${verb ?? ''}' (set-override, unset-override, list-devices, list-overrides)`);
    }
  },
};
