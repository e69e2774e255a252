/**
 * The DOE hand-off, end to end in TypeScript (DESIGN.md §3): a CXL compliance tool wants the
 * device's Compliance mailbox. While the kernel's pci_doe.doe holds it, raw config access is
 * refused; the tool's operator unbinds that one auxiliary device, binds the override-only
 * doe_user.doe, and the tool talks through /dev/doe/cxl_pci.doe.1 — one holder at a time. Then
 * the same tool under mainline's `pci-core-shared` policy: the raw exchange goes through and
 * taints the kernel.
 *
 * Run: npx tsx examples/doe-compliance-handoff.ts
 */
import { pathToFileURL } from 'node:url';
import { ComplianceClient, DevDoeTransport, DoeClient, DriverModelError, type Machine, RawConfigDoeTransport, createMachine } from '../src/index.js';

const BDF = '0000:0d:00.0';
const MAILBOX = 'cxl_pci.doe.1';

export function main(print: (line: string) => void = console.log): void {
  const attempt = (what: string, fn: () => string) => {
    try {
      print(`${what}: ${fn()}`);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      print(`${what}: ${e.errno}`);
    }
  };
  const sleeper = (m: Machine) => ({ sleep: (ms: number) => void m.advance(ms) });

  print('== policy aux-exclusive');
  const m = createMachine({ presets: ['cxl-type3'], modules: ['doe_user'] });
  m.boot();
  m.advance(500); // the kernel's DOE work: Discovery, the CDAT read, SPDM authentication
  const root = m.processes.root;
  const tool = m.processes.spawn('cxl-compliance', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  const raw = () => new ComplianceClient(new DoeClient(new RawConfigDoeTransport(tool, BDF, 1, sleeper(m))));
  attempt('raw compliance capability while pci_doe.doe is bound', () => `status ${raw().capability().status}`);

  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', MAILBOX);
  root.writeFile(`/sys/bus/auxiliary/devices/${MAILBOX}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers_probe', MAILBOX);
  print(
    `${MAILBOX} is now bound to ${m.findDevice(`auxiliary:${MAILBOX}`).driver?.name}; cxl_pci.doe.0 stays with ${m.findDevice('auxiliary:cxl_pci.doe.0').driver?.name}`,
  );

  const fd = tool.open(`/dev/doe/${MAILBOX}`, 'rw');
  const compliance = new ComplianceClient(new DoeClient(new DevDoeTransport(tool, fd, sleeper(m))));
  const cap = compliance.capability();
  print(
    `compliance capability through /dev/doe: status ${cap.status}, available 0x${cap.available.toString(16)}, enabled 0x${cap.enabled.toString(16)}`,
  );
  const status = compliance.request('status');
  print(`compliance status: ${JSON.stringify(Object.fromEntries(Object.entries(status.values).map(([k, v]) => [k, Number(v)])))}`);
  attempt('a second process opens the node', () =>
    String(m.processes.spawn('other', { uid: 0, gid: 0, caps: [] }).open(`/dev/doe/${MAILBOX}`, 'rw')),
  );
  attempt('raw access while doe_user holds the mailbox', () => `status ${raw().capability().status}`);
  tool.close(fd);
  print(`taint: "${m.taint.letters}"`);

  print('== policy pci-core-shared');
  const s = createMachine({ presets: ['cxl-type3'], doe: 'pci-core-shared' });
  s.boot();
  s.advance(500);
  const stool = s.processes.spawn('cxl-compliance', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  attempt('auxiliary DOE devices', () => String(s.processes.root.readdir('/sys/bus/auxiliary/devices').filter((d) => d.includes('.doe.')).length));
  const scap = new ComplianceClient(new DoeClient(new RawConfigDoeTransport(stool, BDF, 1, sleeper(s)))).capability();
  print(`raw compliance capability: status ${scap.status}, available 0x${scap.available.toString(16)}`);
  print(`taint: "${s.taint.letters}"`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
