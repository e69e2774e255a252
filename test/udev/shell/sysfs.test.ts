/**
 * The shell's contact with the machine: `>`/`>>` redirections land in sysfs stores in one write,
 * a missing attribute fails as dash reports it, `<` reads attributes, globbing walks sysfs,
 * and dash's command line (-e, -u, `--`, NAME and positional parameters, a script file).
 */
import { describe, expect, it } from 'vitest';
import { defaultPrograms } from '../../../src/udev/index.js';
import { runRegistered } from '../../../src/udev/spawn.js';
import { SysfsAccess } from '../../../src/udev/sources/sysfs-access.js';
import { MemorySysfs } from '../../../src/udev/sources/sysfs-memory.js';

function machine(): {
  sysfs: MemorySysfs;
  run: (argv: string[], env?: Record<string, string>) => { stdout: string; stderr: string; exitCode: number };
} {
  const sysfs = new MemorySysfs({ truncateOnWrite: true });
  sysfs.putFile('/sys/devices/pci0000:00/0000:00:14.0/power/control', 'on\n');
  sysfs.putFile('/sys/devices/pci0000:00/0000:00:14.0/vendor', '0x8086\n', 0o444);
  sysfs.putFile('/sys/devices/pci0000:00/0000:00:1f.0/vendor', '0x8086\n', 0o444);
  sysfs.putFile('/usr/lib/udev/script.sh', 'echo "script $0 $1"\nexit 3\n');
  const fs = new SysfsAccess(sysfs);
  return {
    sysfs,
    run: (argv, env = {}) => runRegistered(defaultPrograms(), fs, undefined, argv, new Map(Object.entries(env)), ''),
  };
}

describe('sh redirections into sysfs', () => {
  it('writes what echo printed into the attribute, replacing its value', () => {
    const m = machine();
    const r = m.run(['/bin/sh', '-c', 'echo auto > /sys$DEVPATH/power/control'], { DEVPATH: '/devices/pci0000:00/0000:00:14.0' });
    expect(r).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(new TextDecoder().decode(m.sysfs.readFile('/sys/devices/pci0000:00/0000:00:14.0/power/control'))).toBe('auto\n');
  });

  it('appends with >> as one store of the new bytes (sysfs has no file position to append at)', () => {
    const m = machine();
    m.run(['/bin/sh', '-c', 'printf x >> /sys/devices/pci0000:00/0000:00:14.0/power/control']);
    expect(new TextDecoder().decode(m.sysfs.readFile('/sys/devices/pci0000:00/0000:00:14.0/power/control'))).toBe('x');
  });

  it('reports a missing attribute as dash does and goes on with status 2', () => {
    const m = machine();
    const r = m.run(['/bin/sh', '-c', 'echo 1 > /sys/devices/pci0000:00/0000:00:14.0/nope; echo $?; echo 1 > /sys/nodir/x; echo $?']);
    expect(r.stdout).toBe('2\n2\n');
    expect(r.stderr).toBe(
      'sh: 1: cannot create /sys/devices/pci0000:00/0000:00:14.0/nope: Permission denied\nsh: 1: cannot create /sys/nodir/x: Directory nonexistent\n',
    );
  });

  it('reads attributes with < and $(cat …), and globs over sysfs in byte order', () => {
    const m = machine();
    const r = m.run([
      '/bin/sh',
      '-c',
      'read v < /sys/devices/pci0000:00/0000:00:14.0/vendor; echo $v; for f in /sys/devices/pci0000:00/*/vendor; do echo "$f=$(cat $f)"; done; echo /sys/devices/nomatch*',
    ]);
    expect(r.stdout).toBe(
      '0x8086\n/sys/devices/pci0000:00/0000:00:14.0/vendor=0x8086\n/sys/devices/pci0000:00/0000:00:1f.0/vendor=0x8086\n/sys/devices/nomatch*\n',
    );
  });
});

describe("dash's command line", () => {
  it('takes -e and -u among the options, -- before the script, and NAME ARGS after it', () => {
    const m = machine();
    expect(m.run(['/bin/sh', '-e', '-c', 'false; echo no'])).toEqual({ exitCode: 1, stdout: '', stderr: '' });
    expect(m.run(['/bin/sh', '-eu', '-c', 'echo $X'])).toEqual({ exitCode: 2, stdout: '', stderr: 'sh: 1: X: parameter not set\n' });
    expect(m.run(['/bin/sh', '-c', '--', 'echo $0 $1 $#', 'name', 'arg'])).toEqual({ exitCode: 0, stdout: 'name arg 1\n', stderr: '' });
    expect(m.run(['/bin/sh', '-ec', 'echo ok'])).toEqual({ exitCode: 0, stdout: 'ok\n', stderr: '' });
  });

  it('rejects an unknown option and runs a script file with its arguments', () => {
    const m = machine();
    expect(m.run(['/bin/sh', '-Z', '-c', 'true']).exitCode).toBe(2);
    expect(m.run(['/bin/sh', '/usr/lib/udev/script.sh', 'a'])).toEqual({ exitCode: 3, stdout: 'script /usr/lib/udev/script.sh a\n', stderr: '' });
    expect(m.run(['/bin/sh', '/nope.sh'])).toEqual({ exitCode: 2, stdout: '', stderr: 'sh: 0: cannot open /nope.sh: No such file\n' });
  });
});
