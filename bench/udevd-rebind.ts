/**
 * Benchmark: udevd (the daemon: queue, worker, rules, node, database, RUN, broadcast) on the 10
 * uevents of the explorer's cxl_pci rebind (examples/explore/doe-pci-core-shared.yaml: fwctl0,
 * cxl_pci.fwctl.0, mem0, 0000:0d:00.0 — remove/unbind, then add/bind), with the machine's
 * default rules (80-drivers.rules). The events are captured once from a booted machine's rebind;
 * a daemon of its own, over that machine's sysfs and /dev, then handles them again and again
 * (SEQNUMs renumbered, increasing) on a FIFO of its tasks. Prints CPU µs per event.
 *
 * usage: npx tsx bench/udevd-rebind.ts [--seconds N]
 */
import { createMachine, machineUdev } from '../src/machine/index.js';
import { type ReceivedUevent, UdevDaemon, udevRulesFiles } from '../src/udev/index.js';

const args = process.argv.slice(2);
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3;

const machine = createMachine({ presets: ['cxl-type3'], doe: 'pci-core-shared' });
machine.boot();
machine.advance(200);
const captured: ReceivedUevent[] = [];
const listener = machine.uevent.onDidSend((ev) => captured.push({ seqnum: ev.seqnum, vars: ev.vars }));
const root = machine.processes.root;
for (const [file, value] of [
  ['/sys/bus/pci/drivers/cxl_pci/unbind', '0000:0d:00.0'],
  ['/sys/bus/pci/drivers/cxl_pci/bind', '0000:0d:00.0'],
] as const) {
  const fd = root.open(file, 'w');
  root.write(fd, new TextEncoder().encode(value));
  root.close(fd);
}
machine.advance(2000);
listener.dispose();

const tasks: (() => void)[] = [];
const mu = machineUdev(machine);
const daemon = new UdevDaemon(
  {
    sysfs: mu.sysfs,
    devfs: mu.devfs,
    scheduler: { queue: (_name, run) => tasks.push(run) },
    nowUsec: () => machine.clock.nowUsec(),
    cmdline: machine.options.cmdline,
    kmod: {
      lookup: (nameOrAlias) => machine.modules.lookup(nameOrAlias).names,
      isLoaded: (name) => machine.modules.isLoaded(name),
      insert: (name) => machine.modules.modprobe(name, { blacklist: 'all' }),
    },
  },
  { rules: udevRulesFiles(machine.options.rules, machine.options.autoload) },
);
daemon.start();

let seqnum = 1;
function round(): void {
  for (const ev of captured) daemon.receive({ seqnum: seqnum++, vars: ev.vars });
  for (let i = 0; i < tasks.length; i++) tasks[i]!();
  tasks.length = 0;
  // The daemon keeps every broadcast for the machine's life; the bench does not.
  daemon.processed.length = 0;
}

for (let i = 0; i < 500; i++) round();
const sample = captured.map((e) => {
  const get = (k: string) => e.vars[e.vars.indexOf(k) + 1];
  return `${get('ACTION')} ${get('DEVPATH')}`;
});
let n = 0;
const cpu0 = process.cpuUsage();
const start = performance.now();
const deadline = start + seconds * 1000;
while (performance.now() < deadline) {
  for (let i = 0; i < 100; i++) round();
  n += 100 * captured.length;
}
const cpu = process.cpuUsage(cpu0);
const cpuUs = cpu.user + cpu.system;
process.stdout.write(`events:\n  ${sample.join('\n  ')}\nudevd-rebind: ${(cpuUs / n).toFixed(2)} CPU µs/event (${n} events)\n`);
