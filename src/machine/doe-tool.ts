/**
 * DOE tools on a whole machine, for the CLI (`auxbus doe`, `auxbus demo`) and the scenario host:
 * how a process waits (virtual time advances while it sleeps), the documented hand-off of one
 * auxiliary DOE device to doe_user followed by opening its node, raw config access to a
 * function's N-th mailbox, and the four client actions (discover, cdat, compliance, spdm) with
 * results a command can print. The clients themselves live in src/userspace.
 */
import { type CdatStructure, type DoeProtocolId, doeProtocolName, spdm } from '../protocols/index.js';
import {
  ComplianceClient,
  DevDoeTransport,
  DoeClient,
  type Process,
  RawConfigDoeTransport,
  type Sleeper,
  type SpdmWalk,
  complianceStatusNames,
  readCdat,
  spdmWalk,
} from '../userspace/index.js';
import type { Machine } from './machine.js';

/** A process of `m` sleeps: the machine's virtual time advances and its work runs. */
export function machineSleeper(m: Machine): Sleeper {
  return { sleep: (ms) => void m.advance(ms) };
}

/** The trust anchor the tools use by default: auxbus's test root (fixtures/spdm). */
export const DEFAULT_SPDM_TRUST: readonly Uint8Array[] = [spdm.FIXTURE_ROOT];

/**
 * Hand the auxiliary DOE device `device` to doe_user as root (unbind pci_doe.doe if bound,
 * modprobe doe_user if needed, driver_override, drivers_probe) and open its node as `proc`.
 * Each action is appended to `log` as the shell command it stands for.
 * @throws {DriverModelError} what the kernel answers (ENODEV for no such device, EBUSY…).
 */
export function handOffDoeMailbox(m: Machine, proc: Process, device: string, log: string[] = []): { client: DoeClient; fd: number } {
  const root = m.processes.root;
  const adev = m.findDevice(`auxiliary:${device}`);
  const write = (path: string, value: string) => {
    log.push(`echo ${value} > ${path}`);
    root.writeFile(path, value);
    m.settle();
  };
  if (adev.driver?.name === 'pci_doe.doe') write('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', device);
  if (adev.driver?.name !== 'doe_user.doe') {
    if (!m.modules.isLoaded('doe_user')) {
      log.push('modprobe doe_user');
      m.modprobe('doe_user');
    }
    write(`/sys/bus/auxiliary/devices/${device}/driver_override`, 'doe_user.doe');
    write('/sys/bus/auxiliary/drivers_probe', device);
  }
  const node = `/dev/doe/${device}`;
  log.push(`open ${node}`);
  const fd = proc.open(node, 'rw');
  return { client: new DoeClient(new DevDoeTransport(proc, fd, machineSleeper(m))), fd };
}

/** Raw config access to the `mailbox`-th DOE capability of `bdf`, as `proc`. */
export function rawDoeClient(m: Machine, proc: Process, bdf: string, mailbox: number): DoeClient {
  return new DoeClient(new RawConfigDoeTransport(proc, bdf, mailbox, machineSleeper(m)));
}

export const DOE_TOOL_ACTIONS = ['discover', 'cdat', 'compliance', 'spdm'] as const;
export type DoeToolAction = (typeof DOE_TOOL_ACTIONS)[number];

export type DoeToolResult =
  | { readonly features: readonly (DoeProtocolId & { readonly name: string })[] }
  | { readonly length: number; readonly revision: number; readonly checksum: 'ok'; readonly structures: readonly CdatStructure[] }
  | { readonly request: string; readonly status: string | null; readonly values: Readonly<Record<string, string>> }
  | {
      readonly version: string;
      readonly steps: readonly string[];
      readonly certificates: readonly string[];
      readonly nonce: string;
      readonly signature: string;
      readonly measurements: readonly string[];
    };

/** One client action over `client`. @throws {DriverModelError} the exchange's or the protocol's errno. */
export function doeToolAction(action: DoeToolAction, client: DoeClient, request = 'capability'): DoeToolResult {
  switch (action) {
    case 'discover':
      return { features: client.discover().map((f) => ({ ...f, name: doeProtocolName(f) })) };
    case 'cdat': {
      const cdat = readCdat(client);
      return { length: cdat.header.length, revision: cdat.header.revision, checksum: 'ok', structures: cdat.structures };
    }
    case 'compliance': {
      const r = new ComplianceClient(client).request(/^\d+$/.test(request) ? Number(request) : request);
      const values = Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, `0x${v.toString(16)}`]));
      const status = 'status' in r.values ? (complianceStatusNames[Number(r.values.status)] ?? `status ${r.values.status}`) : null;
      return { request, status, values };
    }
    case 'spdm':
      return spdmSummary(spdmWalk(client, { trust: DEFAULT_SPDM_TRUST }));
  }
}

/** What a command shows of an SPDM walk. */
export function spdmSummary(walk: SpdmWalk): Extract<DoeToolResult, { version: string }> {
  const r: spdm.AuthenticationResult = walk.result;
  return {
    version: spdm.versionText(r.version),
    steps: walk.steps.map((st) => `${st.request} (${st.requestBytes.length} → ${st.responseBytes.length} bytes)`),
    certificates: r.certificates.map((c) => c.subjectText),
    nonce: hex(walk.nonce),
    signature: hex(walk.signature),
    measurements: (r.measurements ?? []).map((m) => `${m.index}: ${hex(m.value)}`),
  };
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
