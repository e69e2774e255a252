/**
 * Kernel modules (kernel/module, kmod): each simulated module is an inversify ContainerModule
 * whose entry point's init() registers its drivers and exit() unregisters them. modprobe loads
 * dependencies first and treats '-' and '_' alike; rmmod refuses (EBUSY) while a loaded module
 * depends on the target or a file of one of its devices is open. modules.alias is generated
 * from the modules' declared aliases (their drivers' id tables), and loading by MODALIAS matches
 * those patterns, as kmod's `modprobe <modalias>` does.
 */
import { type Container, ContainerModule, inject, injectable, type ServiceIdentifier } from 'inversify';
import { ILogService, kerr } from '../base/index.js';
import { CharDevRegistry, ICharDevRegistry } from './char-dev.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

/** A module's init/exit (module_init/module_exit). init may throw DriverModelError. */
export interface ModuleEntry {
  init(): void;
  exit(): void;
}

/** What `modinfo` would say of a module on disk, plus how to load it. */
export interface KernelModuleInfo {
  readonly name: string;
  readonly depends?: readonly string[];
  /** modules.alias patterns, e.g. `pci:v00008086d00000D93sv*sd*bc*sc*i*`, `auxiliary:cxl_pci.doe`. */
  readonly aliases?: readonly string[];
  readonly description?: string;
  /** Binds the module's services (its drivers) into the machine's container. */
  readonly bindings: ContainerModule;
  /** Identifier of the ModuleEntry bound by `bindings`. */
  readonly entry: symbol;
}

/** Normalise a module name as modprobe does ('-' and '_' are the same). */
export function moduleName(name: string): string {
  return name.replace(/-/g, '_');
}

export const IModuleLoader: ServiceIdentifier<ModuleLoader> = Symbol.for('IModuleLoader');
/** The container modules are loaded into (the machine's own). */
export const IKernelContainer: ServiceIdentifier<Container> = Symbol.for('IKernelContainer');

interface Loaded {
  readonly info: KernelModuleInfo;
  readonly entry: ModuleEntry;
}

@injectable()
export class ModuleLoader {
  readonly #available = new Map<string, KernelModuleInfo>();
  readonly #loaded = new Map<string, Loaded>();

  constructor(
    @inject(IKernelContainer) private readonly container: Container,
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(ILogService) private readonly log: ILogService,
  ) {}

  /** Install a module "on disk" (/lib/modules); it is not loaded. */
  install(info: KernelModuleInfo): void {
    this.#available.set(moduleName(info.name), info);
  }

  get available(): readonly KernelModuleInfo[] {
    return [...this.#available.values()];
  }

  /** Loaded module names in load order (/proc/modules). */
  get loaded(): readonly string[] {
    return [...this.#loaded.keys()];
  }

  isLoaded(name: string): boolean {
    return this.#loaded.has(moduleName(name));
  }

  /** Modules that depend on `name` and are loaded (the "used by" column). */
  holders(name: string): string[] {
    const n = moduleName(name);
    return [...this.#loaded.values()].filter((l) => (l.info.depends ?? []).map(moduleName).includes(n)).map((l) => moduleName(l.info.name));
  }

  /**
   * module_refcount(): one reference per loaded module that uses it (ref_module) and per open
   * file of a cdev it provides (try_module_get in chrdev_open). rmmod refuses while it is not 0.
   */
  refcount(name: string): number {
    const n = moduleName(name);
    return this.holders(n).length + this.cdevs.moduleOpenCount(n);
  }

  /** modules.alias text: `alias <pattern> <module>` lines, sorted like depmod output. */
  modulesAlias(): string {
    const lines: string[] = [];
    for (const info of [...this.#available.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const alias of info.aliases ?? []) lines.push(`alias ${alias} ${moduleName(info.name)}`);
    }
    return lines.map((l) => `${l}\n`).join('');
  }

  /** Modules whose aliases match a MODALIAS string (fnmatch on the alias patterns). */
  resolveAlias(modalias: string): string[] {
    const out: string[] = [];
    for (const info of this.#available.values()) {
      if ((info.aliases ?? []).some((pattern) => aliasMatch(pattern, modalias))) out.push(moduleName(info.name));
    }
    return out;
  }

  /**
   * modprobe NAME: dependencies first, then the module; a loaded module is left alone.
   * @throws {DriverModelError} ENOENT for an unknown module; whatever init() throws.
   */
  modprobe(name: string): void {
    this.#load(moduleName(name), []);
  }

  /** modprobe by alias (kmod builtin `kmod load MODALIAS`): loads every matching module. */
  modprobeAlias(modalias: string): string[] {
    const names = this.resolveAlias(modalias);
    for (const n of names) this.modprobe(n);
    return names;
  }

  #load(name: string, chain: string[]): void {
    if (this.#loaded.has(name)) return;
    const info = this.#available.get(name);
    if (!info) throw kerr('ENOENT', `modprobe: FATAL: Module ${name} not found`);
    if (chain.includes(name)) throw kerr('ELOOP', `modprobe: dependency cycle through ${name}`);
    for (const dep of info.depends ?? []) this.#load(moduleName(dep), [...chain, name]);
    this.container.load(info.bindings);
    let entry: ModuleEntry;
    try {
      entry = this.container.get<ModuleEntry>(info.entry);
      // Mark loaded before init: drivers registered in init already count as the module's.
      this.#loaded.set(name, { info, entry });
      entry.init();
    } catch (e) {
      this.#loaded.delete(name);
      this.container.unload(info.bindings);
      throw e;
    }
    // The module's `add` uevent follows a successful init (do_init_module).
    this.uevent.send({ devpath: `/module/${name}`, subsystem: 'module' }, 'add');
    this.log.log('debug', 'kernel', `module ${name} loaded`);
  }

  /**
   * rmmod NAME.
   * @throws {DriverModelError} ENOENT when not loaded; EBUSY while a loaded module depends on
   *   it or a process holds a file of one of its devices open.
   */
  rmmod(name: string): void {
    const n = moduleName(name);
    const loaded = this.#loaded.get(n);
    if (!loaded) throw kerr('ENOENT', `rmmod: ERROR: Module ${n} is not currently loaded`);
    const holders = this.holders(n);
    if (holders.length > 0) throw kerr('EBUSY', `rmmod: ERROR: Module ${n} is in use by: ${holders.join(' ')}`);
    if (this.cdevs.moduleInUse(n)) throw kerr('EBUSY', `rmmod: ERROR: Module ${n} is in use`);
    loaded.entry.exit();
    this.#loaded.delete(n);
    this.container.unload(loaded.info.bindings);
    this.uevent.send({ devpath: `/module/${n}`, subsystem: 'module' }, 'remove');
  }
}

/** fnmatch for modules.alias patterns (they use only `*`, `?` and `[...]`). */
export function aliasMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(text);
}

/** Helper for module definitions: a ContainerModule binding one entry class in singleton scope. */
export function defineModule(
  info: Omit<KernelModuleInfo, 'bindings' | 'entry'>,
  entryClass: new (...args: never[]) => ModuleEntry,
  extra?: (bind: ContainerModuleBind) => void,
): KernelModuleInfo {
  const entry = Symbol.for(`module:${info.name}`);
  return {
    ...info,
    entry,
    bindings: new ContainerModule(({ bind }) => {
      bind(entry)
        .to(entryClass as never)
        .inSingletonScope();
      extra?.(bind as unknown as ContainerModuleBind);
    }),
  };
}

/** The `bind` function a ContainerModule receives. */
export type ContainerModuleBind = <T>(id: symbol | (new (...args: never[]) => T)) => {
  to(c: new (...args: never[]) => T): { inSingletonScope(): void };
  toSelf(): { inSingletonScope(): void };
  toConstantValue(v: T): void;
};
