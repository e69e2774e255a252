/**
 * A playground session: the state is a scenario text (SCENARIOS.md) — a header (machine,
 * processes) plus steps. Every action appends one step and the whole text is replayed on a fresh
 * machine: the simulator is deterministic, so the replay is the state, and the text is what a
 * shared URL carries. "Hold" mode instead acts on the live machine without settling, so the
 * scheduler panel can run the queued kernel and udev work task by task.
 */
import type { Device } from '../../src/index.js';
import { type Machine, machineScenarioHost, machineUdev, ownerName } from '../../src/machine/index.js';
import { type ScenarioHost, type ScenarioRunResult, runScenarioText } from '../../src/scenario/index.js';

export interface Scenario {
  /** Everything before `steps:` (name, machine, processes). */
  readonly header: string;
  /** Each step as YAML list item lines ("  - verb: …"). */
  readonly steps: readonly string[];
}

export function scenarioText(s: Scenario): string {
  return `${s.header.replace(/\n*$/, '\n')}steps:\n${s.steps.map((x) => x.replace(/\n*$/, '\n')).join('')}`;
}

/** Splits a scenario file at its `steps:` line; steps are cut at each top-level `  - ` item. */
export function parseScenario(text: string): Scenario {
  const m = /^steps:[ \t]*$/m.exec(text);
  if (!m) return { header: text, steps: [] };
  const header = text.slice(0, m.index);
  const body = text.slice(m.index + m[0].length + 1);
  const steps: string[] = [];
  for (const line of body.split('\n')) {
    if (/^ {0,2}- /.test(line) || steps.length === 0) steps.push(line + '\n');
    else steps[steps.length - 1] += line + '\n';
  }
  return { header, steps: steps.map((s) => s.replace(/\n+$/, '\n')).filter((s) => s.trim() !== '') };
}

export interface TreeNode {
  readonly name: string;
  readonly kind: string;
  readonly devpath: string;
  readonly driver: string | null;
  readonly owner: string;
  /** A virtual function's physical function (pci_physfn), by name. */
  readonly physfn?: string;
  /** A physical function's virtual functions, by name. */
  readonly virtfns?: readonly string[];
  readonly children: TreeNode[];
}

export interface Replay {
  readonly result: ScenarioRunResult;
  readonly machine: Machine | undefined;
}

/** Runs `text` on a fresh machine and keeps that machine. */
export function replay(text: string): Replay {
  const base = machineScenarioHost();
  let machine: Machine | undefined;
  const host: ScenarioHost = {
    ...base,
    createMachine: (options) => {
      const sm = base.createMachine(options);
      machine = (sm as unknown as { machine: Machine }).machine;
      // The runner disposes its machine at the end (processes exit, files close); the page keeps
      // it alive to show and act on, and disposes it itself before the next replay.
      Object.defineProperty(sm, 'dispose', { value: () => undefined });
      return sm;
    },
  };
  const result = runScenarioText(text, 'playground.yaml', host);
  return { result, machine };
}

/** The PF of a PCI virtual function (PciDevice.physfn), read without importing the pci layer. */
function physfnOf(dev: Device): Device | undefined {
  return (dev as Device & { physfn?: Device }).physfn;
}

function kindOf(dev: Device): string {
  if (physfnOf(dev)) return `${dev.bus!.name} VF`;
  if (dev.bus) return dev.bus.name;
  if (dev.class) return `class ${dev.class.name}`;
  return 'device';
}

/** The device tree under /devices/pci…: PCI functions → auxiliary devices → class devices. */
export function deviceTree(machine: Machine): TreeNode[] {
  const devs = [...machine.core.devices].filter((d) => d.devpath.startsWith('/devices/pci'));
  const nodes = new Map<Device, TreeNode>();
  for (const d of devs) {
    let owner = '';
    try {
      owner = ownerName(d);
    } catch {
      owner = '?';
    }
    const pf = physfnOf(d);
    const vfs = devs.filter((v) => physfnOf(v) === d).map((v) => v.name);
    nodes.set(d, {
      name: d.name,
      kind: kindOf(d),
      devpath: d.devpath,
      driver: d.driver?.name ?? null,
      owner,
      ...(pf ? { physfn: pf.name } : {}),
      ...(vfs.length > 0 ? { virtfns: vfs } : {}),
      children: [],
    });
  }
  const roots: TreeNode[] = [];
  for (const d of devs) {
    const n = nodes.get(d)!;
    const parent = d.parent ? nodes.get(d.parent) : undefined;
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  const sort = (list: TreeNode[]) => {
    list.sort((a, b) => (a.devpath < b.devpath ? -1 : 1));
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

export interface LogEntry {
  readonly group: string;
  readonly seqnum: number;
  readonly action: string;
  readonly devpath: string;
  readonly properties: ReadonlyArray<readonly [string, string]>;
}

/** `udevadm monitor`: kernel and udev messages, in order of reception. */
export function eventLog(machine: Machine): LogEntry[] {
  return machineUdev(machine).monitor.messages.map((m) => ({
    group: m.group,
    seqnum: m.seqnum,
    action: m.action,
    devpath: m.devpath,
    properties: m.properties,
  }));
}
