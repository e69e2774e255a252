/**
 * Kernel modules (kernel/module, kmod): each simulated module is an inversify ContainerModule
 * (loaded through the machine's IServiceRegistry) whose entry point's init() registers its drivers
 * and exit() unregisters them. modprobe loads dependencies first and treats '-' and '_' alike; rmmod refuses (EBUSY) while a loaded module
 * depends on the target or a file of one of its devices is open. modules.alias is generated
 * from the modules' declared aliases (their drivers' id tables), and loading by MODALIAS matches
 * those patterns, as kmod's `modprobe <modalias>` does.
 */
import { ContainerModule, inject, injectable, type ServiceIdentifier } from 'inversify';
import { DriverModelError, ILogService, IServiceRegistry, type ServiceRegistry, kerr } from '../base/index.js';
import { CharDevRegistry, ICharDevRegistry } from './char-dev.js';
import { type ModprobeConfig, emptyModprobeConfig, underscores } from './modprobe-config.js';
import { type ModuleParamInfo, paramName, parseModuleParam, splitModuleOptions } from './module-params.js';
import { IKobjectUevent, type IKobjectUevent as KobjectUevent } from './uevent.js';

/** Who asks for a load or an unload: init_module/delete_module check CAP_SYS_MODULE. */
export interface ModuleCaller {
  hasCapability(cap: string): boolean;
}

/**
 * Which blacklist a load honours (libkmod probe flags): `alias-only` is modprobe's
 * KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY (a blacklisted module is skipped only when reached
 * through an alias), `all` udev's and systemd-modules-load's KMOD_PROBE_APPLY_BLACKLIST.
 */
export type BlacklistScope = 'alias-only' | 'all';

export interface ModprobeOptions {
  /** The process running modprobe; none = the kernel or a fully privileged service. */
  readonly caller?: ModuleCaller;
  readonly blacklist?: BlacklistScope;
}

/** What one lookup gave: module names, and whether they came through an alias. */
export interface ModuleLookup {
  readonly names: readonly string[];
  readonly viaAlias: boolean;
}

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
  /** module_param()s, shown under /sys/module/<name>/parameters when their perm is non-zero. */
  readonly params?: readonly ModuleParamInfo[];
  /** Binds the module's services (its drivers) into the machine's container. */
  readonly bindings: ContainerModule;
  /** Identifier of the ModuleEntry bound by `bindings`. */
  readonly entry: symbol;
}

/** Normalise a module name as modprobe does ('-' and '_' are the same). */
export function moduleName(name: string): string {
  return name.includes('-') ? name.replace(/-/g, '_') : name;
}

/** Lookups ModuleLoader keeps (a working set: the modaliases of a machine's devices); cleared as a whole past it. */
const LOOKUPS_MAX = 1024;

export const IModuleLoader: ServiceIdentifier<ModuleLoader> = Symbol.for('IModuleLoader');

interface Loaded {
  readonly info: KernelModuleInfo;
  readonly entry: ModuleEntry;
}

@injectable()
export class ModuleLoader {
  readonly #available = new Map<string, KernelModuleInfo>();
  readonly #loaded = new Map<string, Loaded>();
  /** Parameter values of loaded modules (param_get_* text without the newline). */
  readonly #params = new Map<string, Map<string, string>>();
  #config: ModprobeConfig = emptyModprobeConfig();
  /** module_blacklist= of the kernel command line (early_mod_check). */
  #kernelBlacklist = new Set<string>();
  /**
   * What `lookup` answered, by the name or modalias asked: a function of the modules on disk
   * and the modprobe.d aliases only, so `install` and `configure` empty it. Machine state,
   * restored with the machine (udevd asks for the same few modaliases on every `add`).
   */
  readonly #lookups = new Map<string, ModuleLookup>();

  constructor(
    @inject(IServiceRegistry) private readonly services: ServiceRegistry,
    @inject(IKobjectUevent) private readonly uevent: KobjectUevent,
    @inject(ICharDevRegistry) private readonly cdevs: CharDevRegistry,
    @inject(ILogService) private readonly log: ILogService,
  ) {}

  /**
   * The machine's /etc/modprobe.d (already parsed) and /proc/cmdline, whose `module_blacklist=`
   * the kernel itself enforces. Called once while the machine is built.
   */
  configure(config: ModprobeConfig, cmdline: string): void {
    this.#config = config;
    this.#lookups.clear();
    for (const e of config.errors) this.log.log('error', 'user', `modprobe: ERROR: ${e}`);
    this.#kernelBlacklist = new Set();
    for (const word of cmdline.split(/\s+/)) {
      if (!word.startsWith('module_blacklist=')) continue;
      for (const m of word.slice('module_blacklist='.length).split(',')) if (m) this.#kernelBlacklist.add(moduleName(m));
    }
  }

  get config(): ModprobeConfig {
    return this.#config;
  }

  /** Whether /etc/modprobe.d blacklists a module (compared with its real name). */
  isBlacklisted(name: string): boolean {
    return this.#config.blacklist.has(moduleName(name));
  }

  /** Install a module "on disk" (/lib/modules); it is not loaded. */
  install(info: KernelModuleInfo): void {
    // What is on disk never changes (the built-in table is shared by every machine): frozen, so a
    // snapshot neither records nor compares it (docs/snapshot.md).
    if (info.depends) Object.freeze(info.depends);
    if (info.aliases) Object.freeze(info.aliases);
    if (info.params) {
      for (const p of info.params) Object.freeze(p);
      Object.freeze(info.params);
    }
    this.#available.set(moduleName(info.name), Object.freeze(info));
    this.#lookups.clear();
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
   * kmod_module_new_from_lookup, first source with a match wins: /etc/modprobe.d aliases
   * (fnmatch), then real module names (modules.dep), then modules.alias patterns.
   */
  lookup(nameOrAlias: string): ModuleLookup {
    const known = this.#lookups.get(nameOrAlias);
    if (known !== undefined) return known;
    const found = this.#lookupUncached(nameOrAlias);
    Object.freeze(found.names);
    if (this.#lookups.size >= LOOKUPS_MAX) this.#lookups.clear();
    this.#lookups.set(nameOrAlias, Object.freeze(found));
    return found;
  }

  #lookupUncached(nameOrAlias: string): ModuleLookup {
    const n = underscores(nameOrAlias) ?? nameOrAlias;
    const fromConfig = this.#config.aliases.filter(([pattern]) => aliasMatch(pattern, n)).map(([, mod]) => mod);
    if (fromConfig.length > 0) return { names: [...new Set(fromConfig)], viaAlias: true };
    if (this.#available.has(moduleName(n))) return { names: [moduleName(n)], viaAlias: false };
    return { names: this.resolveAlias(nameOrAlias), viaAlias: true };
  }

  /**
   * modprobe NAME (kmod_module_probe_insert_module for each module the lookup gives): soft
   * pre-dependencies, hard dependencies, the module, soft post-dependencies; a loaded module is
   * left alone. A blacklisted module is skipped — silently, as success — when the scope says so
   * (modprobe: only when reached through an alias; udev: always). Returns 'blacklisted' when
   * everything found was skipped.
   * @throws {DriverModelError} ENOENT for an unknown module; EPERM when the caller lacks
   *   CAP_SYS_MODULE or the kernel command line blacklists it; whatever init() throws.
   */
  modprobe(name: string, options: ModprobeOptions = {}): 'loaded' | 'blacklisted' {
    const found = this.lookup(name);
    if (found.names.length === 0) throw kerr('ENOENT', `modprobe: FATAL: Module ${moduleName(name)} not found in directory /lib/modules`);
    let skipped = 0;
    for (const n of found.names) {
      const scope = options.blacklist ?? 'alias-only';
      if (this.isBlacklisted(n) && (scope === 'all' || found.viaAlias) && !this.#loaded.has(n)) {
        this.log.log('debug', 'user', `modprobe: Module '${n}' is deny-listed`);
        skipped++;
        continue;
      }
      this.#load(n, [], options.caller);
    }
    return skipped === found.names.length ? 'blacklisted' : 'loaded';
  }

  /** modprobe by alias (kmod builtin `kmod load MODALIAS`): loads every matching module. */
  modprobeAlias(modalias: string): string[] {
    const names = this.resolveAlias(modalias);
    for (const n of names) this.modprobe(n);
    return names;
  }

  #load(name: string, chain: string[], caller: ModuleCaller | undefined): void {
    if (this.#loaded.has(name)) return;
    const info = this.#available.get(name);
    if (!info) throw kerr('ENOENT', `modprobe: FATAL: Module ${name} not found in directory /lib/modules`);
    if (chain.includes(name)) throw kerr('ELOOP', `modprobe: dependency cycle through ${name}`);
    const softdep = this.#config.softdeps.get(name);
    // Soft dependencies: loaded around the module, their failures ignored (libkmod).
    for (const pre of softdep?.pre ?? []) this.#loadSoft(pre, [...chain, name], caller);
    for (const dep of info.depends ?? []) this.#load(moduleName(dep), [...chain, name], caller);
    this.#insert(name, info, caller);
    for (const post of softdep?.post ?? []) this.#loadSoft(post, [...chain, name], caller);
  }

  #loadSoft(name: string, chain: string[], caller: ModuleCaller | undefined): void {
    try {
      this.#load(moduleName(name), chain, caller);
    } catch (e) {
      if (!DriverModelError.is(e)) throw e;
      this.log.log('debug', 'user', `modprobe: soft dependency ${name} not loaded: ${e.errno}`);
    }
  }

  /** init_module: may_init_module, early_mod_check, parameters, then the module's init. */
  #insert(name: string, info: KernelModuleInfo, caller: ModuleCaller | undefined): void {
    // may_init_module: CAP_SYS_MODULE, whatever the uid.
    if (caller && !caller.hasCapability('CAP_SYS_MODULE'))
      throw kerr('EPERM', `modprobe: ERROR: could not insert '${name}': Operation not permitted`);
    // early_mod_check: module_blacklist= on the kernel command line.
    if (this.#kernelBlacklist.has(name)) {
      this.log.log('error', 'kernel', `Module ${name} is blacklisted`);
      throw kerr('EPERM', `modprobe: ERROR: could not insert '${name}': Operation not permitted`);
    }
    const params = this.#parseParams(name, info);
    this.services.load(info.bindings);
    let entry: ModuleEntry;
    try {
      entry = this.services.get<ModuleEntry>(info.entry);
      // Mark loaded before init: drivers registered in init already count as the module's.
      this.#loaded.set(name, { info, entry });
      this.#params.set(name, params);
      entry.init();
    } catch (e) {
      this.#loaded.delete(name);
      this.#params.delete(name);
      this.services.unload(info.bindings);
      throw e;
    }
    // The module's `add` uevent follows a successful init (do_init_module).
    this.uevent.send({ devpath: `/module/${name}`, subsystem: 'module' }, 'add');
    this.log.log('debug', 'kernel', `module ${name} loaded`);
  }

  /**
   * The option string init_module gets for `name`: every matching `options` line (by module name),
   * joined with spaces in configuration order (module_options_concat).
   */
  optionsFor(name: string): string {
    const n = moduleName(name);
    return this.#config.options
      .filter(([m]) => m === n)
      .map(([, o]) => o)
      .join(' ');
  }

  /**
   * parse_args over the option string: defaults first, then each `p=v` left to right (a later
   * value wins). Unknown names are warned about and ignored (unknown_module_param_cb); a bad
   * value fails the load with EINVAL.
   */
  #parseParams(name: string, info: KernelModuleInfo): Map<string, string> {
    const values = new Map<string, string>();
    for (const p of info.params ?? []) values.set(p.name, p.default);
    for (const { name: raw, value } of splitModuleOptions(this.optionsFor(name))) {
      const p = (info.params ?? []).find((q) => paramName(q.name) === paramName(raw));
      if (!p) {
        this.log.log('warning', 'kernel', `${name}: unknown parameter '${raw}' ignored`);
        continue;
      }
      try {
        values.set(p.name, parseModuleParam(p.type, value));
      } catch (e) {
        this.log.log('error', 'kernel', `${name}: \`${value ?? ''}' invalid for parameter \`${p.name}'`);
        throw e;
      }
    }
    return values;
  }

  /** The parameters of a loaded module with their current values. */
  params(name: string): readonly { readonly info: ModuleParamInfo; readonly value: string }[] {
    const n = moduleName(name);
    const info = this.#loaded.get(n)?.info;
    const values = this.#params.get(n);
    if (!info || !values) return [];
    return (info.params ?? []).map((p) => ({ info: p, value: values.get(p.name) ?? p.default }));
  }

  /**
   * A write to /sys/module/<m>/parameters/<p> (param_attr_store).
   * @throws {DriverModelError} EINVAL for a value the type cannot take; ENOENT when not loaded.
   */
  setParam(module: string, param: string, value: string): void {
    const n = moduleName(module);
    const values = this.#params.get(n);
    const p = this.#loaded.get(n)?.info.params?.find((q) => q.name === param);
    if (!values || !p) throw kerr('ENOENT', `${n}: no parameter ${param}`);
    values.set(p.name, parseModuleParam(p.type, value));
  }

  /**
   * rmmod NAME: the tool's checks (tools/rmmod.c check_module_inuse), then delete_module.
   * @throws {DriverModelError} ENOENT when not loaded; EBUSY while a loaded module depends on
   *   it or a process holds a file of one of its devices open; EPERM when the caller lacks
   *   CAP_SYS_MODULE (delete_module).
   */
  rmmod(name: string, caller?: ModuleCaller): void {
    const n = moduleName(name);
    const loaded = this.#loaded.get(n);
    if (!loaded) throw kerr('ENOENT', `rmmod: ERROR: Module ${n} is not currently loaded`);
    const holders = this.holders(n);
    if (holders.length > 0) throw kerr('EBUSY', `rmmod: ERROR: Module ${n} is in use by: ${holders.join(' ')}`);
    if (this.cdevs.moduleInUse(n)) throw kerr('EBUSY', `rmmod: ERROR: Module ${n} is in use`);
    if (caller && !caller.hasCapability('CAP_SYS_MODULE')) throw kerr('EPERM', `rmmod: ERROR: could not remove module ${n}: Operation not permitted`);
    loaded.entry.exit();
    this.#loaded.delete(n);
    this.#params.delete(n);
    this.services.unload(loaded.info.bindings);
    this.uevent.send({ devpath: `/module/${n}`, subsystem: 'module' }, 'remove');
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#available, this.#loaded, this.#params, this.#config, this.#kernelBlacklist, this.#lookups];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#config = v[3] as never;
    this.#kernelBlacklist = v[4] as never;
  }
}

/** Compiled alias patterns: the set is the modules' aliases and modprobe.d's, so it stays small. */
const aliasRegExps = new Map<string, RegExp>();

/** fnmatch for modules.alias patterns (they use only `*`, `?` and `[...]`). */
export function aliasMatch(pattern: string, text: string): boolean {
  let re = aliasRegExps.get(pattern);
  if (re === undefined) {
    if (aliasRegExps.size >= 4096) aliasRegExps.clear();
    re = aliasRegExp(pattern);
    aliasRegExps.set(pattern, re);
  }
  return re.test(text);
}

function aliasRegExp(pattern: string): RegExp {
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
  return new RegExp(`${re}$`, 's');
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
