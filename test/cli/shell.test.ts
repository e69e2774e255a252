/**
 * `auxbus shell` end to end: scripted input (-c and stdin), checked output, exit statuses,
 * --json per command, tab completion, and the interpreter's independence from node:*.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.js';
import { run as shell } from '../../src/cli/shell.js';
import { complete, createShellSession } from '../../src/cli/shell/index.js';
import { createMachine, machineUdev } from '../../src/machine/index.js';

async function script(lines: string, args: string[] = ['--preset', 'cxl-type3']) {
  const io = captureIo();
  const status = await shell(args, io, { stdin: lines, tty: false });
  return { status, out: io.out, err: io.err };
}

function session(presets = ['cxl-type3']) {
  const m = createMachine({ presets });
  m.boot();
  return createShellSession(m, machineUdev(m));
}

const HANDOFF = [
  'modprobe doe_user',
  'echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind',
  'echo doe_user.doe > /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override',
  'echo cxl_pci.doe.1 > /sys/bus/auxiliary/drivers_probe',
].join('\n');

describe('auxbus shell, scripted', () => {
  it('runs -c commands separated by ; on one live machine (what one command did, the next sees)', async () => {
    const io = captureIo();
    const status = await shell(
      [
        '--preset',
        'cxl-type3',
        '-c',
        'echo cxl_pci.doe.0 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind; ls /sys/bus/auxiliary/drivers/pci_doe.doe',
      ],
      io,
    );
    expect(status).toBe(0);
    expect(io.out).toBe('bind  cxl_pci.doe.1  cxl_pci.doe.2  module  uevent  unbind\n');
  });

  it('hands a DOE mailbox to doe_user in four writes and shows the node, its holder and its owner', async () => {
    const r = await script(
      `${HANDOFF}\nls -l /dev/doe\nspawn alice --uid 1000 --gid 1000 --groups plugdev\nas alice open /dev/doe/cxl_pci.doe.1 rw\n` +
        `echo 'SUBSYSTEM=="doe", MODE="0660", GROUP="plugdev", SYMLINK+="my-doe"' > /etc/udev/rules.d/70-doe.rules\n` +
        'udevadm control --reload\nudevadm trigger -c add -s doe\nls -l /dev/doe/cxl_pci.doe.1 /dev/my-doe\nas alice open /dev/doe/cxl_pci.doe.1 rw\nfuser /dev/doe/cxl_pci.doe.1\nowner cxl_pci.doe.1\nrmmod doe_user\n',
    );
    const major = /^crw------- root root (\d+), 0 cxl_pci\.doe\.1$/m.exec(r.out)?.[1];
    expect(major).toBeDefined();
    expect(r.out).toBe(
      [
        `crw------- root root ${major}, 0 cxl_pci.doe.1`,
        `crw-rw---- root plugdev ${major}, 0 /dev/doe/cxl_pci.doe.1`,
        'lrwxrwxrwx root root      0 /dev/my-doe -> doe/cxl_pci.doe.1',
        '3',
        '/dev/doe/cxl_pci.doe.1: 2(alice)',
        'alice',
        '',
      ].join('\n'),
    );
    // Before the rule, alice may not open the 0600 node; rmmod of a module in use fails: exit 1.
    expect(r.err).toBe('open: /dev/doe/cxl_pci.doe.1: Permission denied\nrmmod: ERROR: Module doe_user is in use\n');
    expect(r.status).toBe(1);
  });

  it('a write the acting process may not make fails with its errno; `as` applies > FILE as that process', async () => {
    const r = await script('spawn bob\nas bob echo 1 > /sys/bus/pci/devices/0000:0d:00.0/remove\nls /sys/bus/pci/devices\n');
    expect(r.err).toBe('echo: /sys/bus/pci/devices/0000:0d:00.0/remove: Permission denied\n');
    expect(r.out).toBe('0000:00:01.0  0000:0d:00.0\n');
    expect(r.status).toBe(1);
  });

  it('exit 0 when every command succeeded; an unknown command is one line and exit 1', async () => {
    expect((await script('ls /sys/bus\n')).status).toBe(0);
    const r = await script('frobnicate\n');
    expect(r.err).toBe("frobnicate: command not found (try 'help')\n");
    expect(r.status).toBe(1);
  });

  it('lsmod, dmesg and /dev/kmsg show the kernel side', async () => {
    const r = await script('lsmod\ndmesg\ncat /dev/kmsg\n');
    expect(r.out).toMatch(
      /^Module {18}Size {2}Used by\n(?:\S+ +16384 {2}\d+.*\n)*pci_doe {16}16384 {2}0\n(?:\S+ +16384 {2}\d+.*\n)*cxl_pci {16}16384 {2}\d/,
    );
    expect(r.out).toContain('[    0.000000] pci 0000:0d:00.0: [8086:0d93] type 00 class 0x050210\n');
    expect(r.out).toMatch(/^6,\d+,0,-;pci 0000:0d:00\.0: \[8086:0d93\] type 00 class 0x050210$/m);
  });

  it('lspci -k -nn lists functions, drivers and modules as lspci prints them', async () => {
    const r = await script('lspci -nn -k -s 0d:00.0\n');
    expect(r.out).toBe(
      '0d:00.0 CXL [0502]: Intel Corporation Device [8086:0d93] (rev 01)\n\tSubsystem: Red Hat, Inc. Device [1af4:1100]\n\tKernel driver in use: cxl_pci\n\tKernel modules: cxl_pci\n',
    );
  });

  it('driverctl set-override unbinds and reprobes into the named driver; list-overrides and unset-override', async () => {
    const r = await script(
      'driverctl set-override 0000:0d:00.0 cxl_pci\ndriverctl list-overrides\ndriverctl list-devices\ndriverctl unset-override 0000:0d:00.0\ndriverctl list-overrides\n',
    );
    expect(r.out).toBe('0000:0d:00.0 cxl_pci\n0000:00:01.0 pcieport\n0000:0d:00.0 cxl_pci [*]\n');
    expect(r.status).toBe(0);
  });

  it('udevadm test SYSPATH runs the machine’s rules without changing the machine; explain traces the last event', async () => {
    const r = await script('udevadm test -a change /sys/bus/pci/devices/0000:0d:00.0\nexplain 0000:0d:00.0\n');
    expect(r.out).toContain('ACTION=change\nSUBSYSTEM=pci\n');
    expect(r.out).toMatch(
      /\nbind \/devices\/pci0000:00\/0000:00:01\.0\/0000:0d:00\.0 \(seqnum \d+\)\n80-drivers\.rules:3: MATCH {2}ACTION!="add", GOTO="drivers_end"\n/,
    );
    expect(r.status).toBe(0);
  });

  it('udevadm info, test-builtin and monitor (only events since the last monitor)', async () => {
    const kernelEvents = session().udev.monitor.messages.filter((m) => m.group === 'kernel').length;
    const r = await script(
      'udevadm info -q path /sys/bus/pci/devices/0000:0d:00.0\nudevadm test-builtin path_id /sys/bus/pci/devices/0000:0d:00.0\nudevadm monitor -k\nudevadm monitor -k\n',
    );
    expect(r.out.split('monitor will print')[0]).toBe(
      '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0\nID_PATH=pci-0000:0d:00.0\nID_PATH_TAG=pci-0000_0d_00_0\n',
    );
    // The second monitor prints only the banner: nothing happened since the first.
    expect(r.out.match(/KERNEL\[/g)?.length).toBe(kernelEvents);
    expect(r.out.endsWith('KERNEL - the kernel uevent\n\n')).toBe(true);
  });

  it('a rule written to /etc/udev/rules.d takes effect after udevadm control --reload and a trigger', async () => {
    const r = await script(
      `echo 'KERNEL=="*.doe.*", ENV{ID_DOE_MAILBOX}="1"' > /etc/udev/rules.d/70-doe.rules\nudevadm trigger -c change -s auxiliary\n` +
        'udevadm info -q property --property ID_DOE_MAILBOX /sys/bus/auxiliary/devices/cxl_pci.doe.1\nudevadm control --reload\n' +
        'udevadm trigger -c change -s auxiliary\nudevadm info -q property --property ID_DOE_MAILBOX /sys/bus/auxiliary/devices/cxl_pci.doe.1\ncat /etc/udev/rules.d/70-doe.rules\n',
    );
    expect(r.out).toBe('ID_DOE_MAILBOX=1\nKERNEL=="*.doe.*", ENV{ID_DOE_MAILBOX}="1"\n');
    expect(r.status).toBe(0);
  });

  it('--json after a command prints one object with its data', async () => {
    const r = await script('driverctl list-devices --json\n');
    expect(JSON.parse(r.out)).toEqual({
      command: 'driverctl list-devices',
      status: 0,
      stdout: '0000:00:01.0 pcieport\n0000:0d:00.0 cxl_pci\n',
      stderr: '',
      data: [
        { device: '0000:00:01.0', driver: 'pcieport', override: false },
        { device: '0000:0d:00.0', driver: 'cxl_pci', override: false },
      ],
    });
  });

  it('step runs one ready task and prints it; advance moves virtual time', () => {
    const s = session();
    s.machine.hotplug('cxl-type3');
    const r = s.execute('step');
    expect(r.stdout).toMatch(/^ran: .+\n/);
    expect(s.execute('advance 250').stdout).toMatch(/^t=250 ms, \d+ tasks? ran\n$/);
  });

  it('starts on the machine a scenario leaves (--scenario FILE --until N)', async () => {
    const io = captureIo();
    const status = await shell(['--scenario', 'examples/scenarios/doe-handoff.yaml', '--until', '1', '-c', 'ls /sys/bus/auxiliary/devices'], io);
    expect(io.err).toBe('');
    expect(status).toBe(0);
    expect(io.out).toContain('cxl_pci.doe.1');
  });

  it('syntax errors are one line, exit 1', async () => {
    const r = await script("echo 'unterminated\n");
    expect(r.err).toBe('auxbus shell: syntax error: unterminated quote\n');
    expect(r.status).toBe(1);
  });
});

describe('tab completion', () => {
  it.each([
    ['ls', ['ls', 'lsmod', 'lsof', 'lspci']],
    ['udevadm t', ['test', 'test-builtin', 'trigger']],
    ['ls /sys/bus/a', ['/sys/bus/auxiliary/']],
    ['cat /sys/bus/pci/devices/0000:0d:00.0/ven', ['/sys/bus/pci/devices/0000:0d:00.0/vendor']],
    ['modprobe doe_', ['doe_user']],
    ['as root ls', ['ls', 'lsmod', 'lsof', 'lspci']],
    ['echo 1 > /sys/bus/pci/resc', ['/sys/bus/pci/rescan']],
    ['driverctl set', ['set-override']],
  ])('%s', (line, expected) => {
    const s = session();
    const [candidates] = complete(s, line);
    expect(candidates).toEqual(expected);
  });
});

describe('the interpreter runs in a browser', () => {
  it('no file of src/cli/shell imports a node:* module', () => {
    const dir = join(import.meta.dirname, '../../src/cli/shell');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/from ['"]node:|from ['"](commander|fs|path)['"]/);
  });
});
