/**
 * Benchmark: `add` events of a PCI netdev (a ConnectX port, eth0 below 0000:03:00.0) through
 * Debian's full rules set (/usr/lib/udev/rules.d), in-process, rules compiled once, as udevd
 * runs them (sealed uevent device, rules, node/links, database). Prints events per CPU second.
 *
 * usage: npx tsx bench/udev-events.ts [--rules DIR] [--seconds N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileRules,
  type DiagnosticSink,
  executeRules,
  loadDeviceDesc,
  SysfsAccess,
  type UdevContext,
  UdevDevice,
  UdevEvent,
  defaultPrograms,
} from '../src/udev/index.js';
import { debianPasswd } from '../src/base/index.js';

const args = process.argv.slice(2);
const rulesDir = args.includes('--rules') ? args[args.indexOf('--rules') + 1]! : '/usr/lib/udev/rules.d';
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3;

const desc = `
P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0
E: INTERFACE=eth0
E: IFINDEX=4
E: SUBSYSTEM=net
A: address=b8:ce:f6:01:02:03\\n
A: addr_assign_type=0\\n
A: type=1\\n
A: ifindex=4\\n
A: iflink=4\\n
A: dev_port=0\\n
A: phys_port_name=p0\\n
A: operstate=down\\n
A: mtu=1500\\n
A: name_assign_type=1\\n

P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0
E: DRIVER=mlx5_core
E: PCI_CLASS=20000
E: PCI_ID=15B3:101D
E: PCI_SUBSYS_ID=15B3:0016
E: PCI_SLOT_NAME=0000:03:00.0
E: MODALIAS=pci:v000015B3d0000101Dsv000015B3sd00000016bc02sc00i00
E: SUBSYSTEM=pci
A: vendor=0x15b3\\n
A: device=0x101d\\n
A: class=0x020000\\n
A: numa_node=0\\n
H: config=b3151d10060410000000020000008000

P: /devices/pci0000:00/0000:00:02.0
E: DRIVER=pcieport
E: PCI_CLASS=60400
E: SUBSYSTEM=pci
A: vendor=0x8086\\n
A: device=0x1901\\n

P: /devices/pci0000:00
`;

const files = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.rules'))
  .map((f) => ({ name: join(rulesDir, f), text: new Uint8Array(readFileSync(join(rulesDir, f))) }));
const t0 = performance.now();
const rules = compileRules(files);
const compileMs = performance.now() - t0;
const lines = rules.files.reduce((n, f) => n + f.lines.length, 0);

const env = loadDeviceDesc(desc);
const quiet: DiagnosticSink = { debug: false, emit: () => undefined };
const ctx: UdevContext = {
  fs: new SysfsAccess(env.sysfs),
  devfs: env.devfs,
  db: env.database,
  passwd: debianPasswd(),
  programs: defaultPrograms(),
  sink: quiet,
  cmdline: '',
  constants: { arch: 'x86-64', virt: 'none' },
  now: () => 1,
  builtinHost: {},
};
const ueventEnv: Array<[string, string]> = [
  ['ACTION', 'add'],
  ['DEVPATH', '/devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0'],
  ['SUBSYSTEM', 'net'],
  ['INTERFACE', 'eth0'],
  ['IFINDEX', '4'],
  ['SEQNUM', '1000'],
];

function oneEvent(): UdevEvent {
  const dev = UdevDevice.fromUevent(ctx.fs, ctx.db, ueventEnv);
  if (typeof dev === 'string') throw new Error(`bench device: ${dev}`);
  const event = new UdevEvent(ctx, dev);
  const r = executeRules(event, rules);
  if (r !== 'ok') throw new Error(`bench event failed: ${r}`);
  return event;
}

// Show what the event produces once, then measure.
const sample = oneEvent();
const props = [...sample.dev.allProperties()].filter(([k]) => k.startsWith('ID_NET') || k === 'ID_PATH').map(([k, v]) => `${k}=${v}`);
for (let i = 0; i < 2000; i++) oneEvent();
// Rated by the process's CPU time (user + system): on a shared machine wall time mostly
// measures the other jobs.
let n = 0;
const start = performance.now();
const cpu0 = process.cpuUsage();
const deadline = start + seconds * 1000;
let now = start;
while (now < deadline) {
  for (let i = 0; i < 200; i++) oneEvent();
  n += 200;
  now = performance.now();
}
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const rate = (n * 1000) / cpuMs;
process.stdout.write(
  `rules: ${files.length} files, ${lines} lines, compiled in ${compileMs.toFixed(1)} ms (${rules.diagnostics.filter((d) => d.level === 'error' || d.level === 'warning').length} diagnostics)\n` +
    `device: ${sample.dev.devpath} (${props.join(' ')})\n` +
    `udev-events: ${Math.round(rate)} events/s (${n} add events, ${((cpuMs * 1000) / n).toFixed(1)} CPU µs/event, ${(((now - start) * 1000) / n).toFixed(1)} wall µs/event)\n`,
);
