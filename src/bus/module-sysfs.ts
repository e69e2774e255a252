/**
 * /sys/module (kernel/module/sysfs.c): one directory per loaded module, present from its load
 * until its unload, with `initstate`, `refcnt`, `coresize`, `taint`, a write-only `uevent`, the
 * `holders/` links to the modules that use it and, once it has registered a driver, the
 * `drivers/<bus>:<driver>` links (module_add_driver), and `parameters/` (params.c). Built-in modules without parameters have
 * no directory, as in the kernel; none of this model's modules is built in.
 */
import { inject, injectable, type ServiceIdentifier } from 'inversify';
import { type Attribute, attrRO, attrRW, attrWO } from './attribute.js';
import type { ModuleParamInfo } from './module-params.js';
import { BusRegistry, IBusRegistry } from './bus.js';
import { ModuleLoader, IModuleLoader, moduleName } from './modules.js';
import { ISysfs, Sysfs, SysfsDirBuilder, type SysfsDir } from './sysfs.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

export const IModuleSysfs: ServiceIdentifier<ModuleSysfs> = Symbol.for('IModuleSysfs');

@injectable()
export class ModuleSysfs {
  readonly #attrs = [
    attrRO<string>('coresize', () => '16384\n'),
    attrRO<string>('initstate', () => 'live\n'),
    attrRO<string>('refcnt', (m) => `${this.modules.refcount(m)}\n`),
    attrRO<string>('taint', () => '\n'),
    attrWO<string>('uevent', (m, buf) => {
      this.uevent.synthesize({ devpath: `/module/${m}`, subsystem: 'module' }, buf);
      return buf.length;
    }),
  ];

  /** One attribute object per parameter (an open file keeps identifying its attribute). */
  readonly #paramAttrs = new Map<ModuleParamInfo, Attribute<string>>();

  /** param_attr_show / param_attr_store (a store only when the perm has write bits). */
  #paramAttr(info: ModuleParamInfo): Attribute<string> {
    let attr = this.#paramAttrs.get(info);
    if (!attr) {
      const show = (m: string) => `${this.modules.params(m).find((p) => p.info === info)?.value ?? ''}\n`;
      attr =
        info.perm & 0o222
          ? attrRW<string>(
              info.name,
              show,
              (m, buf) => {
                this.modules.setParam(m, info.name, buf);
                return buf.length;
              },
              info.perm,
            )
          : attrRO<string>(info.name, show, info.perm);
      this.#paramAttrs.set(info, attr);
    }
    return attr;
  }

  constructor(
    @inject(ISysfs) private readonly sysfs: Sysfs,
    @inject(IModuleLoader) private readonly modules: ModuleLoader,
    @inject(IBusRegistry) private readonly buses: BusRegistry,
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
  ) {}

  init(): void {
    this.sysfs.registerRoot('module', (path) => this.#rootDir(path));
  }

  #rootDir(path: string): SysfsDir {
    const b = new SysfsDirBuilder(path);
    for (const m of this.modules.loaded) b.dir(m, (p) => this.#moduleDir(p, m));
    return b.build();
  }

  #moduleDir(path: string, m: string): SysfsDir {
    const b = new SysfsDirBuilder(path);
    for (const attr of this.#attrs) b.file(attr, m);
    b.dir('holders', (p) => {
      const h = new SysfsDirBuilder(p);
      for (const holder of this.modules.holders(m)) h.link(holder, `/sys/module/${holder}`);
      return h.build();
    });
    // module_param_sysfs_setup: parameters/ exists when some parameter has a non-zero perm.
    const params = this.modules.params(m).filter((p) => p.info.perm !== 0);
    if (params.length > 0) {
      b.dir('parameters', (p) => {
        const d = new SysfsDirBuilder(p);
        for (const { info } of params) d.file(this.#paramAttr(info), m, info.perm);
        return d.build();
      });
    }
    const drivers = this.buses.buses.flatMap((bus) =>
      bus.drivers.filter((d) => d.module !== undefined && moduleName(d.module) === m).map((d) => [bus.name, d.name] as const),
    );
    if (drivers.length > 0) {
      b.dir('drivers', (p) => {
        const d = new SysfsDirBuilder(p);
        for (const [bus, drv] of drivers) d.link(`${bus}:${drv}`, `/sys/bus/${bus}/drivers/${drv}`);
        return d.build();
      });
    }
    return b.build();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#attrs, this.#paramAttrs];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
