/**
 * A machine's CMA/SPDM mailbox served to DMTF spdm-emu's socket protocol (`auxbus spdm serve`,
 * reference/protocols.md §3.7): every DOE object of a NORMAL frame — Discovery, CMA/SPDM
 * (0001:01) and Secured CMA/SPDM (0001:02) — goes through the function's real DOE mailbox model,
 * in its config space, and the device's own answer comes back. Nothing here answers SPDM itself.
 *
 * Setting up, in this order (each step what a root user would do on a real machine):
 * 1. boot a machine with the preset (default `cxl-type3`) and, with an identity given, provision
 *    the device's SPDM responder with it (its certificate chain and leaf key — what a
 *    manufacturer or SET_CERTIFICATE would do; the engine keeps the device's seeded random
 *    stream and measurements);
 * 2. let the kernel's DOE work run (pci_doe's Discovery, the CDAT read, the kernel's CMA
 *    authentication, whose result is reported: a chain the `.cma` keyring does not trust fails
 *    with ENOKEY, as on Linux);
 * 3. take the mailbox as userspace: under `aux-exclusive`, unbind pci_doe.doe from its auxiliary
 *    device and either bind doe_user.doe and open `/dev/doe/<auxdev>` (transport `dev-doe`) or
 *    drive the registers through the function's sysfs `config` file (`raw-config`); under
 *    `pci-core-shared` only the latter exists (and taints U).
 * Each exchange then waits in virtual time (the process sleeps, the machine's scheduler runs).
 * An object the mailbox does not answer (a dropped request, EINVAL from doe_user for an unlisted
 * protocol, a timeout) is answered with an empty NORMAL frame, as spdm_responder_emu does.
 */
import { DriverModelError } from '../base/index.js';
import { type AuxiliaryBus, IAuxiliaryBus } from '../aux/index.js';
import { type SpdmIdentity, cxlType3SpdmEngine, doeMailboxOf, pciCmaResultOf, SimulatedPciFunction } from '../drivers/index.js';
import { IPciCore, type PciDevice } from '../pci/index.js';
import { spdm } from '../protocols/index.js';
import { type DoeTransport, type Process } from '../userspace/index.js';
import { createMachine } from './container.js';
import { handOffDoeMailbox, rawDoeClient } from './doe-tool.js';
import type { Machine } from './machine.js';
import type { MachineOptions } from './machine-options.js';
import type { DoePolicy } from './names.js';

/** How the served mailbox is reached from userspace. */
export type SpdmMailboxTransport = 'dev-doe' | 'raw-config';

export interface MachineSpdmOptions {
  /** The preset to boot (default cxl-type3). */
  readonly preset?: string;
  readonly doe?: DoePolicy;
  /** Default `dev-doe` under aux-exclusive, `raw-config` under pci-core-shared. */
  readonly transport?: SpdmMailboxTransport;
  /**
   * Provision the device's responder with this chain and leaf signer. With an identity or a seed
   * a fresh engine replaces the device's (its stats are then `engine`); with neither the device
   * keeps its own.
   */
  readonly identity?: SpdmIdentity;
  /** Seed of the provisioned engine's random stream (default: the device's, `cxl-type3 <serial>`). */
  readonly seed?: string;
  /** udev rules installed in the served machine's /etc/udev/rules.d (they run on its uevents). */
  readonly rules?: MachineOptions['rules'];
}

export interface MachineSpdmMailbox {
  readonly machine: Machine;
  /** The PCI function and the mailbox served. */
  readonly bdf: string;
  readonly capOffset: number;
  /** The auxiliary DOE device (aux-exclusive), as handed to doe_user or released. */
  readonly auxDevice: string | undefined;
  readonly transport: SpdmMailboxTransport;
  /** The responder engine behind the mailbox when one was provisioned (its stats), else undefined. */
  readonly engine: spdm.SpdmResponder | undefined;
  /** The kernel's CMA authentication of the function at boot. */
  readonly kernelCma: string;
  /** The hand-off, as the shell commands it stands for. */
  readonly handOff: readonly string[];
  /** A SpdmEmuPlatformServer backend: a whole DOE object in, the mailbox's whole answer out. */
  readonly exchange: spdm.DoeObjectExchange;
  /** Objects the mailbox answered, and those it did not (dropped, failed). */
  readonly stats: { answered: number; unanswered: number; lastError: string | undefined };
  close(): void;
}

/** The first function of the machine whose hardware has a DOE mailbox listing CMA/SPDM. */
function cmaFunction(m: Machine): { hw: SimulatedPciFunction; pdev: PciDevice; capOffset: number } {
  const pci = m.get(IPciCore);
  for (const [bus, devfn, hw] of pci.presentHardware) {
    if (!(hw instanceof SimulatedPciFunction)) continue;
    const mb = hw.doeMailboxes.find((r) => r.protocols.some((p) => p.vendor === 1 && p.type === 1));
    const pdev = pci.findDevice(`0000:${hex(bus, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`);
    if (mb && pdev) return { hw, pdev, capOffset: mb.capOffset };
  }
  throw new DriverModelError('ENODEV', 'no PCI function with a CMA/SPDM (0001:01) DOE mailbox');
}

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, '0');
}

/**
 * Boot, provision, hand off, and return the served mailbox.
 * @throws {DriverModelError} EINVAL for an unknown preset; ENODEV without a CMA/SPDM mailbox;
 *   what the hand-off meets (EPERM under lockdown…).
 */
export function machineSpdmMailbox(o: MachineSpdmOptions = {}): MachineSpdmMailbox {
  const doe = o.doe ?? 'aux-exclusive';
  const transport = o.transport ?? (doe === 'pci-core-shared' ? 'raw-config' : 'dev-doe');
  if (doe === 'pci-core-shared' && transport === 'dev-doe') {
    throw new DriverModelError('EINVAL', 'pci-core-shared has no auxiliary DOE devices: use the raw-config transport');
  }
  const m = createMachine({
    presets: [o.preset ?? 'cxl-type3'],
    doe,
    modules: transport === 'dev-doe' ? ['doe_user'] : [],
    ...(o.rules ? { rules: o.rules } : {}),
  });
  m.boot();
  const { hw, pdev, capOffset } = cmaFunction(m);
  let engine: spdm.SpdmResponder | undefined;
  if (o.identity || o.seed) {
    engine = cxlType3SpdmEngine(0xcafe0d93n, o.identity, o.seed);
    const regs = hw.doeMailboxes.find((r) => r.capOffset === capOffset)!;
    for (const r of spdm.spdmDoeResponders(engine)) regs.attach(r);
  }
  m.advance(1000); // the kernel's DOE work: Discovery, CDAT, CMA authentication
  const cma = pciCmaResultOf(pdev);
  const kernelCma = !cma ? 'not run' : cma.authenticated ? 'authenticated' : `failed: ${cma.message} (${cma.errno})`;
  const aux =
    doe === 'aux-exclusive'
      ? m.get<AuxiliaryBus>(IAuxiliaryBus).bus.devices.find((d) => {
          const ref = doeMailboxOf(d);
          return ref?.pdev === pdev && ref.capOffset === capOffset;
        })
      : undefined;
  const handOff: string[] = [];
  const proc: Process = m.processes.spawn('spdm-serve', { uid: 0, gid: 0, caps: ['CAP_SYS_ADMIN'] });
  let doeTransport: DoeTransport;
  if (transport === 'dev-doe') {
    if (!aux) throw new DriverModelError('ENODEV', `${pdev.name}: no auxiliary DOE device for the mailbox at 0x${hex(capOffset, 0)}`);
    doeTransport = handOffDoeMailbox(m, proc, aux.name, handOff).client.transport;
  } else {
    if (aux?.driver?.name === 'pci_doe.doe') {
      handOff.push(`echo ${aux.name} > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind`);
      m.processes.root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', aux.name);
      m.settle();
    }
    const index = pdev.doeMailboxes.findIndex((mb) => mb.offset === capOffset);
    handOff.push(`open /sys/bus/pci/devices/${pdev.name}/config`);
    doeTransport = rawDoeClient(m, proc, pdev.name, index).transport;
  }
  const stats = { answered: 0, unanswered: 0, lastError: undefined as string | undefined };
  return {
    machine: m,
    bdf: pdev.name,
    capOffset,
    auxDevice: aux?.name,
    transport,
    engine,
    kernelCma,
    handOff,
    stats,
    exchange: (request) => {
      try {
        const answer = doeTransport.exchange(request);
        stats.answered++;
        return answer;
      } catch (e) {
        if (!DriverModelError.is(e)) throw e;
        stats.unanswered++;
        stats.lastError = `${e.errno}: ${e.message}`;
        return undefined;
      }
    },
    close: () => {
      doeTransport.close();
      proc.exit();
    },
  };
}

/** The Discovery table the served mailbox lists (for messages), straight from the device model. */
export function servedProtocols(mb: MachineSpdmMailbox): string {
  const hw = cmaFunction(mb.machine).hw.doeMailboxes.find((r) => r.capOffset === mb.capOffset)!;
  return hw.protocols.map((p) => `${hex(p.vendor, 4)}:${hex(p.type, 2)}`).join(' ');
}
