/**
 * The driver core's debugfs files below /sys/kernel/debug (debugfs mounted where systemd mounts
 * it): `devices_deferred` (dd.c deferred_devs_show) lists each device on the deferred-probe
 * pending list as "<name>\t<reason>", the reason being what dev_err_probe recorded
 * ("<driver or bus>: <message>\n"), or just "\n" when none was given. Devices already moved to
 * the active list by a trigger are not shown.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { attrRO } from './attribute.js';
import { DeferredProbe, IDeferredProbe } from './dd.js';
import { ISysfs, Sysfs, SysfsDirBuilder } from './sysfs.js';

export const IDriverDebugfs: ServiceIdentifier<DriverDebugfs> = Symbol.for('IDriverDebugfs');

@injectable()
export class DriverDebugfs {
  // debugfs_create_file("devices_deferred", 0444, NULL, NULL, &deferred_devs_fops)
  readonly #devicesDeferred = attrRO('devices_deferred', () =>
    this.deferred.pending.map((dev) => `${dev.name}\t${dev.p.deferredReason ?? '\n'}`).join(''),
  );

  constructor(
    @inject(ISysfs) private readonly sysfs: Sysfs,
    @inject(IDeferredProbe) private readonly deferred: DeferredProbe,
  ) {}

  /** deferred_probe_initcall: create the file. */
  init(): void {
    this.sysfs.registerRoot('kernel', (path) => {
      const b = new SysfsDirBuilder(path);
      b.dir('debug', (p) => new SysfsDirBuilder(p).file(this.#devicesDeferred, undefined).build());
      return b.build();
    });
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#devicesDeferred];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
