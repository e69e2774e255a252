/**
 * Pictures for the terminal: the device tree with bindings (box-drawing, colour when the io
 * allows), a uevent log, and Graphviz/Mermaid graphs of devices and drivers. Browser-safe (the
 * shell's `tree` runs in the playground): no node:* module, no Node I/O — callers print.
 */
import type { Device, Uevent } from '../bus/index.js';
import { Devtmpfs, type Machine } from '../machine/index.js';
import { type ColorSetting, type Colors, colors } from './colors.js';

function childrenOf(machine: Machine, parent: Device | undefined): Device[] {
  return [...machine.core.devices].filter((d) => d.parent === parent).sort((a, b) => a.devpath.localeCompare(b.devpath));
}

function label(dev: Device, c: Colors): string {
  const kind = dev.bus ? c.cyan(dev.bus.name) : dev.class ? c.magenta(`class ${dev.class.name}`) : c.dim('no bus');
  const parts = [c.bold(dev.name), kind];
  if (dev.driver) parts.push(c.green(`→ ${dev.driver.name}`));
  else if (dev.bus) parts.push(c.yellow('(unbound)'));
  if (dev.p.driverOverride) parts.push(c.dim(`override=${dev.p.driverOverride}`));
  const node = Devtmpfs.nodePath(dev);
  if (node) parts.push(c.blue(node));
  return parts.join('  ');
}

/** The device tree below /sys/devices, one line per device. */
export function renderTree(machine: Machine, io: ColorSetting): string {
  const c = colors(io);
  const lines: string[] = [c.dim('/sys/devices')];
  const walk = (parent: Device | undefined, prefix: string) => {
    const kids = childrenOf(machine, parent).filter((d) => parent !== undefined || !d.class);
    kids.forEach((dev, i) => {
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(dev, c)}`);
      walk(dev, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(undefined, '');
  const virtual = childrenOf(machine, undefined).filter((d) => d.class);
  if (virtual.length > 0) {
    lines.push(c.dim('/sys/devices/virtual'));
    virtual.forEach((dev, i) => lines.push(`${i === virtual.length - 1 ? '└─ ' : '├─ '}${label(dev, c)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** One line per uevent: SEQNUM, action, devpath and the interesting variables. */
export function renderUevents(events: readonly Uevent[], io: ColorSetting): string {
  const c = colors(io);
  const actionColor: Record<string, (s: string) => string> = {
    add: c.green,
    remove: c.red,
    bind: c.cyan,
    unbind: c.yellow,
    change: c.blue,
    move: c.magenta,
    online: c.green,
    offline: c.red,
  };
  return events
    .map((e) => {
      const extra = e.env
        .filter(([k]) => !['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const action = (actionColor[e.action] ?? ((s: string) => s))(e.action.padEnd(6));
      return `${c.dim(String(e.seqnum).padStart(4))} ${action} ${e.devpath} ${c.dim(`(${e.subsystem})`)}${extra ? ` ${c.dim(extra)}` : ''}`;
    })
    .map((l) => `${l}\n`)
    .join('');
}

/** Devices (boxes) with parent edges, and drivers (ellipses) with binding edges. */
export function renderGraph(machine: Machine, format: 'dot' | 'mermaid'): string {
  const devices = [...machine.core.devices];
  const id = (d: Device) => `d${devices.indexOf(d)}`;
  const drivers = new Map<string, string>();
  for (const d of devices) if (d.driver) drivers.set(`${d.driver.bus.name}/${d.driver.name}`, d.driver.name);
  const drvId = (key: string) => `r${[...drivers.keys()].indexOf(key)}`;
  if (format === 'dot') {
    const out = ['digraph auxbus {', '  rankdir=LR;', '  node [fontname="monospace"];'];
    for (const d of devices) out.push(`  ${id(d)} [shape=box, label="${d.name}\\n${d.bus?.name ?? d.class?.name ?? ''}"];`);
    for (const [key, name] of drivers) out.push(`  ${drvId(key)} [shape=ellipse, style=filled, fillcolor=lightgreen, label="${name}"];`);
    for (const d of devices) if (d.parent) out.push(`  ${id(d.parent)} -> ${id(d)};`);
    for (const d of devices) if (d.driver) out.push(`  ${drvId(`${d.driver.bus.name}/${d.driver.name}`)} -> ${id(d)} [style=dashed, label="bound"];`);
    out.push('}');
    return `${out.join('\n')}\n`;
  }
  const out = ['graph LR'];
  for (const d of devices) out.push(`  ${id(d)}["${d.name}<br/>${d.bus?.name ?? d.class?.name ?? ''}"]`);
  for (const [key, name] of drivers) out.push(`  ${drvId(key)}(["${name}"])`);
  for (const d of devices) if (d.parent) out.push(`  ${id(d.parent)} --> ${id(d)}`);
  for (const d of devices) if (d.driver) out.push(`  ${drvId(`${d.driver.bus.name}/${d.driver.name}`)} -. bound .-> ${id(d)}`);
  return `${out.join('\n')}\n`;
}
