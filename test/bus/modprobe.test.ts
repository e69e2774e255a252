/**
 * Issue #9: module loading by an unprivileged process (may_init_module, delete_module), the
 * modprobe.d configuration (libkmod-config.c kmod_config_parse), module parameters (params.c)
 * and the blacklist's two scopes (modprobe's KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, udev's
 * KMOD_PROBE_APPLY_BLACKLIST).
 */
import { describe, expect, it } from 'vitest';
import { parseModprobeConfig, parseModuleParam, splitModuleOptions } from '../../src/bus/index.js';
import { createMachine } from '../../src/machine/index.js';
import { errnoOf } from '../support/toy-bus.js';

const caller = (caps: string[]) => ({ hasCapability: (c: string) => caps.includes(c) });

describe('departure 1: module loading checks CAP_SYS_MODULE (may_init_module, delete_module)', () => {
  it.each([
    [[], 'EPERM'],
    [['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'], 'EPERM'],
    [['CAP_SYS_MODULE'], 'ok'],
  ])('should answer modprobe by a process holding %j with %s', (caps, expected) => {
    const m = createMachine({ autoload: false });
    m.boot();
    expect(errnoOf(() => m.modprobe('cxl_pci', caller(caps)))).toBe(expected);
    expect(m.modules.isLoaded('cxl_pci')).toBe(expected === 'ok');
  });

  it("should refuse rmmod without CAP_SYS_MODULE after the tool's own checks (ENOENT, then EPERM)", () => {
    const m = createMachine({ autoload: false });
    m.boot();
    expect(errnoOf(() => m.rmmod('cxl_pci', caller([])))).toBe('ENOENT');
    m.modprobe('cxl_pci');
    expect(errnoOf(() => m.rmmod('cxl_pci', caller(['CAP_SYS_ADMIN'])))).toBe('EPERM');
    expect(m.modules.isLoaded('cxl_pci')).toBe(true);
    m.rmmod('cxl_pci', caller(['CAP_SYS_MODULE']));
    expect(m.modules.isLoaded('cxl_pci')).toBe(false);
  });

  it('should let an unprivileged modprobe of a loaded module succeed without a syscall', () => {
    const m = createMachine({ autoload: false, modules: ['cxl_pci'] });
    m.boot();
    expect(errnoOf(() => m.modprobe('cxl_pci', caller([])))).toBe('ok');
  });
});

describe('modprobe.d parsing (kmod_config_parse)', () => {
  it('should read every command, join continuations, normalise names and report bad lines', () => {
    const c = parseModprobeConfig(
      [
        { name: 'b.conf', text: 'blacklist pci-doe\n# comment\n\noptions mlx5-core debug_mask=1 \\\n  prof_sel=1\nbogus x\nalias\n' },
        { name: 'a.conf', text: 'alias my-nic mlx5_core\nsoftdep cxl_pci pre: pci_doe ignored? post: doe-user\ninclude /x\n' },
        { name: 'skip.txt', text: 'blacklist never' },
      ],
      'quiet modprobe.blacklist=foo,bar-baz mlx5_core.debug_mask=3',
    );
    expect([...c.blacklist]).toEqual(['pci_doe', 'foo', 'bar_baz']);
    expect(c.aliases).toEqual([['my_nic', 'mlx5_core']]);
    expect(c.options).toEqual([
      ['mlx5_core', 'debug_mask=1 prof_sel=1'],
      ['mlx5_core', 'debug_mask=3'],
    ]);
    expect(c.softdeps.get('cxl_pci')).toEqual({ pre: ['pci_doe', 'ignored?'], post: ['doe_user'] });
    expect(c.errors).toEqual([
      '/etc/modprobe.d/a.conf: include command is deprecated and will be ignored',
      "/etc/modprobe.d/b.conf line 6: ignoring bad line starting with 'bogus'",
      "/etc/modprobe.d/b.conf line 7: ignoring bad line starting with 'alias'",
    ]);
  });

  it.each([
    ['bool', undefined, 'Y'],
    ['bool', 'off', 'N'],
    ['invbool', '1', 'N'],
    ['int', '-0x10', '-16'],
    ['uint', '010', '8'],
    ['uint', '-1', 'EINVAL'],
    ['uint', '4294967296', 'EINVAL'],
    ['int', 'x', 'EINVAL'],
    ['charp', 'abc', 'abc'],
  ] as const)('should set a %s parameter from %j to %s (param_set_*)', (type, value, expected) => {
    let got: string;
    try {
      got = parseModuleParam(type, value);
    } catch (e) {
      got = (e as { errno: string }).errno;
    }
    expect(got).toBe(expected);
  });

  it('should split an option string as next_arg does (quotes group, are dropped)', () => {
    expect(splitModuleOptions(' a=1  b="x y" c ')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
      { name: 'c', value: undefined },
    ]);
  });
});

describe('module parameters (/sys/module/M/parameters)', () => {
  it('should apply options in order (later wins), warn about unknown names, and show perm-0444 files read-only', () => {
    const m = createMachine({
      autoload: false,
      presets: ['mlx5-nic'],
      modprobe: ['options mlx5_core debug_mask=1 nosuch=2', 'options mlx5-core debug-mask=5'],
    });
    m.boot();
    m.modprobe('mlx5_core');
    const root = m.processes.root;
    expect(root.readFile('/sys/module/mlx5_core/parameters/debug_mask')).toBe('5\n');
    expect(root.readFile('/sys/module/mlx5_core/parameters/prof_sel')).toBe('2\n');
    expect(root.stat('/sys/module/mlx5_core/parameters/prof_sel').mode & 0o777).toBe(0o444);
    expect(m.log.records.some((r) => r.message === "mlx5_core: unknown parameter 'nosuch' ignored")).toBe(true);
    root.writeFile('/sys/module/mlx5_core/parameters/debug_mask', '3\n');
    expect(root.readFile('/sys/module/mlx5_core/parameters/debug_mask')).toBe('3\n');
    expect(errnoOf(() => root.writeFile('/sys/module/mlx5_core/parameters/debug_mask', 'x'))).toBe('EINVAL');
    expect(errnoOf(() => root.writeFile('/sys/module/mlx5_core/parameters/prof_sel', '1'))).toBe('EACCES');
  });

  it('should fail the load with EINVAL on a bad value for a known parameter (parse_args)', () => {
    const m = createMachine({ autoload: false, presets: ['mlx5-nic'], modprobe: ['options mlx5_core prof_sel=nine'] });
    m.boot();
    expect(errnoOf(() => m.modprobe('mlx5_core'))).toBe('EINVAL');
    expect(m.modules.isLoaded('mlx5_core')).toBe(false);
    expect(m.vfs.exists('/sys/module/mlx5_core')).toBe(false);
  });

  it('should take <mod>.<param>= from the kernel command line', () => {
    const m = createMachine({ autoload: false, presets: [], cmdline: 'quiet mlx5_core.debug_mask=7' });
    m.boot();
    m.modprobe('mlx5_core');
    expect(m.processes.root.readFile('/sys/module/mlx5_core/parameters/debug_mask')).toBe('7\n');
  });
});

describe('the blacklist (libkmod module_is_blacklisted)', () => {
  it('should keep udev from loading a blacklisted driver for a MODALIAS, while modprobe by name loads it', () => {
    const m = createMachine({ presets: ['mlx5-nic'], modprobe: ['blacklist mlx5_core'] });
    m.boot();
    expect(m.modules.isLoaded('mlx5_core')).toBe(false);
    m.modprobe('mlx5_core');
    expect(m.modules.isLoaded('mlx5_core')).toBe(true);
  });

  it('should skip a blacklisted module reached through an alias, silently (modprobe ALIAS_ONLY)', () => {
    const m = createMachine({ autoload: false, presets: [], modprobe: ['blacklist mlx5_core', 'alias my-nic mlx5_core'] });
    m.boot();
    expect(m.modules.modprobe('my-nic')).toBe('blacklisted');
    expect(m.modules.modprobe('pci:v000015B3d0000101Dsv000015B3sd00000001bc02sc00i00')).toBe('blacklisted');
    expect(m.modules.isLoaded('mlx5_core')).toBe(false);
  });

  it('should refuse a module named in module_blacklist= with EPERM (early_mod_check), even by name', () => {
    const m = createMachine({ autoload: false, presets: [], cmdline: 'module_blacklist=cxl_pci,x' });
    m.boot();
    expect(errnoOf(() => m.modprobe('cxl_pci'))).toBe('EPERM');
    expect(m.log.records.some((r) => r.message === 'Module cxl_pci is blacklisted')).toBe(true);
  });

  it('should load soft dependencies around the module and ignore their failures', () => {
    const m = createMachine({ autoload: false, presets: [], modprobe: ['softdep cxl_pci pre: nosuch pci_doe post: doe_user'] });
    m.boot();
    const mark = m.uevent.log.length;
    m.modprobe('cxl_pci');
    expect(
      m.uevent.log
        .slice(mark)
        .filter((e) => e.subsystem === 'module')
        .map((e) => e.devpath),
    ).toEqual(['/module/pci_doe', '/module/cxl_core', '/module/cxl_pci', '/module/doe_user']);
  });
});
