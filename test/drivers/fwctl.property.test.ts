/**
 * Invariants of fwctl ownership under random sequences (fast-check): processes open and close
 * /dev/fwctl/fwctl0, ask FWCTL_INFO, while the fwctl driver, the parent driver and the driver
 * module come and go. After every step: a file works iff its device is still registered (else
 * ENODEV); the core's live user contexts are exactly the open files; the firmware holds one UID
 * per attached file; a live fwctl device is registered or held by an orphaned file; and the node
 * exists iff a device is registered. When everything is closed nothing of the files is left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriverModelError } from '../../src/base/index.js';
import { type FwctlCore, type FwctlUctx, IFwctlCore } from '../../src/drivers/fwctl/main.js';
import { mlx5FirmwareCommands } from '../../src/drivers/fwctl/mlx5.js';
import { mlx5FirmwareOf } from '../../src/drivers/hw/mlx5-fw.js';
import { IPciCore, type PciCore } from '../../src/pci/index.js';
import { type Process, fwctlInfo } from '../../src/userspace/index.js';
import { NIC, bootMachine } from '../support/pci-machine.js';

type Action =
  | { kind: 'open'; who: number }
  | { kind: 'close'; pick: number }
  | { kind: 'info'; pick: number }
  | { kind: 'unbind-fwctl' | 'bind-fwctl' | 'unbind-parent' | 'bind-parent' | 'rmmod' | 'modprobe' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), who: fc.nat(2) }),
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat(7) }),
  fc.record({ kind: fc.constant('info' as const), pick: fc.nat(7) }),
  fc.constantFrom(
    { kind: 'unbind-fwctl' as const },
    { kind: 'bind-fwctl' as const },
    { kind: 'unbind-parent' as const },
    { kind: 'bind-parent' as const },
    { kind: 'rmmod' as const },
    { kind: 'modprobe' as const },
  ),
);

const NODE = '/dev/fwctl/fwctl0';

describe('fwctl ownership invariants (property)', () => {
  it('should keep files, user contexts, firmware UIDs and devices consistent', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 25 }), (actions) => {
        const m = bootMachine({ presets: ['mlx5-nic'], modules: ['mlx5_fwctl'] });
        const core = m.get<FwctlCore>(IFwctlCore);
        const fw = mlx5FirmwareOf(m.get<PciCore>(IPciCore).findDevice(NIC)!.hw, mlx5FirmwareCommands);
        const procs: Process[] = [0, 1, 2].map((i) => m.processes.spawn(`p${i}`, { uid: 0, gid: 0, caps: [] }));
        const open: { p: Process; fd: number }[] = [];
        const root = m.processes.root;
        const quiet = (f: () => void) => {
          try {
            f();
          } catch (e) {
            if (!DriverModelError.is(e)) throw e;
          }
        };
        const uctxOf = (o: { p: Process; fd: number }) => {
          const f = o.p.openFiles.get(o.fd)!;
          return (f.kind === 'chr' ? f.file.privateData : undefined) as FwctlUctx;
        };
        for (const a of actions) {
          switch (a.kind) {
            case 'open': {
              const p = procs[a.who]!;
              quiet(() => open.push({ p, fd: p.open(NODE, 'rw') }));
              break;
            }
            case 'close':
              if (open.length) {
                const [o] = open.splice(a.pick % open.length, 1);
                o!.p.close(o!.fd);
              }
              break;
            case 'info':
              if (open.length) {
                const o = open[a.pick % open.length]!;
                const alive = uctxOf(o).fwctl.registered;
                let errno = 'ok';
                try {
                  fwctlInfo(o.p, o.fd, 8);
                } catch (e) {
                  errno = (e as DriverModelError).errno;
                }
                expect(errno).toBe(alive ? 'ok' : 'ENODEV');
              }
              break;
            case 'unbind-fwctl':
              quiet(() => root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/unbind', 'mlx5_core.fwctl.0'));
              break;
            case 'bind-fwctl':
              quiet(() => root.writeFile('/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl/bind', 'mlx5_core.fwctl.0'));
              break;
            case 'unbind-parent':
              quiet(() => root.writeFile('/sys/bus/pci/drivers/mlx5_core/unbind', NIC));
              break;
            case 'bind-parent':
              quiet(() => root.writeFile('/sys/bus/pci/drivers/mlx5_core/bind', NIC));
              break;
            case 'rmmod':
              quiet(() => m.rmmod('mlx5_fwctl'));
              break;
            case 'modprobe':
              quiet(() => m.modprobe('mlx5_fwctl'));
              break;
          }
          m.settle();
          // Invariants.
          const registered = m.buses.class('fwctl')!.devices;
          const attached = open.filter((o) => uctxOf(o).fwctl.registered);
          expect(core.live.uctxs).toBe(open.length);
          expect(fw.liveUids).toBe(attached.length);
          const orphanDevices = new Set(open.map((o) => uctxOf(o).fwctl).filter((d) => !d.registered));
          expect(core.live.devices).toBe(registered.length + orphanDevices.size);
          expect(m.vfs.exists(NODE)).toBe(registered.some((d) => d.name === 'fwctl0'));
          expect(new Set(registered.map((d) => d.devt!.minor)).size).toBe(registered.length);
        }
        for (const o of open.splice(0)) o.p.close(o.fd);
        expect(core.live).toEqual({ devices: m.buses.class('fwctl')!.devices.length, uctxs: 0 });
        expect(fw.liveUids).toBe(0);
        expect(procs.every((p) => p.mm.mappings === 0)).toBe(true);
      }),
      { numRuns: 40, seed: 0x5eed },
    );
  });
});
