/**
 * The runner against a scripted fake machine: every verb reaches the machine as the contract
 * says (process, fd, bytes, options), every expect form judges as SCENARIOS.md says, acting steps
 * settle unless told not to, and every step yields exactly one result.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScenarioRunResult, runScenarioFile, runScenarioText } from '../../src/scenario/index.node.js';
import { type FakeMachine, fakeHost } from './fake-machine.js';

const CXL = '/devices/pci0000:00/0000:00:01.0/0000:0d:00.0';
const DOE1 = `${CXL}/cxl_pci.doe.1`;

function run(text: string): { r: ScenarioRunResult; m: FakeMachine } {
  const host = fakeHost();
  const r = runScenarioText(text, 's.yaml', host);
  if (r.status === 2) throw new Error(`unexpectedly invalid: ${JSON.stringify(r.diagnostics)}`);
  return { r, m: host.machines[0]! };
}

/** ok/failures of each step, compactly. */
function verdicts(r: ScenarioRunResult): (string | true)[] {
  return r.steps.map((s) => (s.ok ? true : s.failures.join('; ')));
}

describe('machine and processes', () => {
  it('applies defaults and hands processes over as the contract says', () => {
    const { m, r } = run(`name: defaults
processes:
  tool: { uid: 0, caps: [CAP_SYS_ADMIN, CAP_SYS_RAWIO] }
  alice: { uid: 1000, gid: 1000, groups: [plugdev, video] }
  bob: { uid: 1001 }
  admin: { uid: 0 }
steps: []
`);
    expect(r.status).toBe(0);
    expect(m.options).toEqual({
      presets: ['cxl-type3'],
      lockdown: 'none',
      doe: 'aux-exclusive',
      autoload: true,
      modules: [],
      modprobe: [],
      rules: [],
    });
    expect(Object.fromEntries(m.processes)).toEqual({
      root: { uid: 0, gid: 0, groups: [], caps: 'all' },
      tool: { uid: 0, gid: 0, groups: [], caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO'] },
      alice: { uid: 1000, gid: 1000, groups: ['plugdev', 'video'], caps: [] },
      bob: { uid: 1001, gid: 1001, groups: [], caps: [] },
      admin: { uid: 0, gid: 0, groups: [], caps: 'all' },
    });
    expect(m.disposed).toBe(true);
  });

  it('passes machine options through and sorts rules by name, reading files relative to the scenario', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auxbus-rules-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', '70-fwctl.rules'), 'SUBSYSTEM=="fwctl", MODE="0660"\n');
    writeFileSync(
      join(dir, 's.yaml'),
      `name: options
machine:
  presets: [mlx5-nic, cxl-type3]
  lockdown: integrity
  doe: pci-core-shared
  autoload: false
  modules: [cxl_pci, pci_doe]
rules:
  - file: rules/70-fwctl.rules
  - name: 60-doe.rules
    text: |
      SUBSYSTEM=="auxiliary", ATTR{driver_override}="doe_user.doe"
  - name: 10-early.rules
    text: "# nothing\\n"
steps: []
`,
    );
    const host = fakeHost();
    const r = runScenarioFile('s.yaml', host, { cwd: dir });
    expect(r.status).toBe(0);
    expect(host.machines[0]!.options).toEqual({
      presets: ['mlx5-nic', 'cxl-type3'],
      lockdown: 'integrity',
      doe: 'pci-core-shared',
      autoload: false,
      modules: ['cxl_pci', 'pci_doe'],
      modprobe: [],
      rules: [
        { name: '10-early.rules', text: '# nothing\n' },
        { name: '60-doe.rules', text: 'SUBSYSTEM=="auxiliary", ATTR{driver_override}="doe_user.doe"\n' },
        { name: '70-fwctl.rules', text: 'SUBSYSTEM=="fwctl", MODE="0660"\n' },
      ],
    });
  });
});

describe('verbs and expect', () => {
  it('runs every step, one result each, with the line of the step and exit status 1 on any failure', () => {
    const { r, m } = run(`name: all steps run
steps:
  - boot: {}
  - modprobe: no_such_module
  - modprobe: cxl_fwctl
  - rmmod: cxl_pci
    expect: { errno: EBUSY }
  - rmmod: cxl_fwctl
    expect: ok
  - hotplug: cxl-type3
  - unplug: "0000:0e:00.0"
  - unplug: "0000:0e:00.0"
    expect: { errno: ENODEV }
`);
    expect(r.status).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.steps.map((s) => [s.step, s.line, s.verb])).toEqual([
      [1, 3, 'boot'],
      [2, 4, 'modprobe'],
      [3, 5, 'modprobe'],
      [4, 6, 'rmmod'],
      [5, 8, 'rmmod'],
      [6, 10, 'hotplug'],
      [7, 11, 'unplug'],
      [8, 12, 'unplug'],
    ]);
    expect(verdicts(r)).toEqual([true, 'expected success, got ENOENT (module no_such_module not found)', true, true, true, true, true, true]);
    expect(m.calls.filter((c) => c !== 'settle')).toEqual([
      'boot',
      'modprobe no_such_module',
      'modprobe cxl_fwctl',
      'rmmod cxl_pci',
      'rmmod cxl_fwctl',
      'hotplug cxl-type3',
      'unplug 0000:0e:00.0',
      'unplug 0000:0e:00.0',
    ]);
  });

  it('fails a step that expected an errno but succeeded, or got another errno', () => {
    const { r } = run(`name: errno
steps:
  - boot: {}
    expect: { errno: EBUSY }
  - rmmod: cxl_pci
    expect: { errno: ENOENT }
  - rmmod: cxl_pci
    expect: { errno: EBUSY }
`);
    expect(verdicts(r)).toEqual([
      'expected errno EBUSY, but the step succeeded',
      'expected errno ENOENT, got EBUSY (module cxl_pci is in use)',
      true,
    ]);
    expect(r.steps[0]!.expected).toEqual({ errno: 'EBUSY' });
    expect(r.steps[0]!.actual).toBe('ok');
    expect(r.steps[1]!.actual).toEqual({ errno: 'EBUSY', message: 'module cxl_pci is in use' });
  });

  it('settles after every acting step unless settle: false', () => {
    const { r, m } = run(`name: settle
steps:
  - modprobe: a
  - modprobe: b
    settle: false
  - check: { uevents: ["add /module/a"] }
  - settle: {}
  - check: { uevents: ["add /module/b"] }
  - advance: 1500
`);
    expect(verdicts(r)).toEqual([true, true, true, true, true, true]);
    expect(m.calls).toEqual(['modprobe a', 'settle', 'modprobe b', 'settle', 'advance 1500']);
    expect(m.clock).toBe(1500);
  });

  it('settles even after a step that failed', () => {
    const { m } = run(`name: settle after failure
steps:
  - modprobe: no_such_thing
`);
    expect(m.calls).toEqual(['modprobe no_such_thing', 'settle']);
  });

  it('writes exactly the value as the process of as:, keeping plain scalars as written', () => {
    const { r, m } = run(`name: write
processes:
  alice: { uid: 1000 }
steps:
  - boot: {}
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    value: 0660
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    value: doe_user.doe
    as: alice
    expect: { errno: EACCES }
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    value: "doe_user.doe\\n"
  - read: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    expect: { value: "doe_user.doe\\n" }
  - read: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    expect: { value: "doe_user.doe" }
  - read: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    expect: { match: "^doe_user" }
  - read: /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override
    expect: { match: "^pci_doe" }
  - read: /sys/nope
    expect: { errno: ENOENT }
`);
    expect(m.calls.filter((c) => c.startsWith('write'))).toEqual([
      'write root /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override "0660"',
      'write alice /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override "doe_user.doe"',
      'write root /sys/bus/auxiliary/devices/cxl_pci.doe.1/driver_override "doe_user.doe\\n"',
    ]);
    expect(verdicts(r)).toEqual([
      true,
      true,
      true,
      true,
      true,
      'expected value "doe_user.doe", got "doe_user.doe\\n"',
      true,
      'expected value matching /^pci_doe/, got "doe_user.doe\\n"',
      true,
    ]);
    expect(r.steps[4]!.actual).toEqual({ value: 'doe_user.doe\n' });
  });

  it('judges ls by exact set and by inclusion', () => {
    const { r } = run(`name: ls
steps:
  - boot: {}
  - ls: /sys/bus/auxiliary/devices/cxl_pci.doe.1
    expect: { entries: [unbind, driver_override] }
  - ls: /sys/bus/auxiliary/devices/cxl_pci.doe.1
    expect: { entries: [driver_override] }
  - ls: /sys/bus/auxiliary/devices/cxl_pci.doe.1
    expect: { contains: [unbind] }
  - ls: /sys/bus/auxiliary/devices/cxl_pci.doe.1
    expect: { contains: [unbind, power] }
`);
    expect(verdicts(r)).toEqual([
      true,
      true,
      'expected entries [driver_override], got [driver_override, unbind] (unexpected unbind)',
      true,
      'expected entries to include power, got [driver_override, unbind]',
    ]);
    expect(r.steps[1]!.actual).toEqual({ entries: ['driver_override', 'unbind'] });
  });

  it('keeps fds per name: the opener acts on them, closed or failed names give EBADF', () => {
    const { r, m } = run(`name: fds
processes:
  tool: { uid: 0, caps: [CAP_SYS_ADMIN] }
steps:
  - boot: {}
  - open: /dev/doe/cxl_pci.doe.1
    mode: rw
    fd: h
    as: tool
  - open: /dev/doe/cxl_pci.doe.1
    fd: second
    expect: { errno: EBUSY }
  - check: { owner: { cxl_pci.doe.1: tool } }
  - close: h
  - close: h
    expect: { errno: EBADF }
  - doe: second
    protocol: spdm
    request: get_version
    expect: { errno: EBADF }
  - check: { owner: { cxl_pci.doe.1: kernel } }
`);
    expect(verdicts(r)).toEqual([true, true, true, true, true, true, true, true]);
    expect(m.calls.filter((c) => /^(open|close|doe)/.test(c))).toEqual([
      'open tool /dev/doe/cxl_pci.doe.1 rw',
      'open root /dev/doe/cxl_pci.doe.1 r',
      'close tool 3',
    ]);
  });

  it('sends fwctl ioctls with the scope and payload bytes and judges response, response_match and out_len', () => {
    const { r, m } = run(`name: ioctl
processes:
  alice: { uid: 1000 }
steps:
  - boot: {}
  - open: /dev/doe/cxl_pci.doe.1
    fd: f
    as: alice
  - ioctl: f
    op: FWCTL_INFO
    expect: { response: "02000000", out_len: 4 }
  - ioctl: f
    op: FWCTL_RPC
    scope: FWCTL_RPC_DEBUG_READ_ONLY
    payload: "01 02 0A 0b"
    expect: { response: "0B 0A 0201", out_len: 8 }
  - ioctl: f
    op: FWCTL_RPC
    scope: 3
    payload: "00"
    expect: { errno: EPERM }
  - ioctl: f
    op: FWCTL_RPC
    scope: DEBUG_WRITE
    payload: 00112233
    expect: { response_match: "^33", out_len: 7 }
  - check: { taint: J }
`);
    expect(m.calls.filter((c) => c.startsWith('ioctl'))).toEqual([
      'ioctl alice 3 FWCTL_INFO - -',
      'ioctl alice 3 FWCTL_RPC DEBUG_READ_ONLY 01020a0b',
      'ioctl alice 3 FWCTL_RPC DEBUG_WRITE_FULL 00',
      'ioctl alice 3 FWCTL_RPC DEBUG_WRITE 00112233',
    ]);
    expect(verdicts(r)).toEqual([true, true, true, true, true, 'expected out_len 7, got 8', true]);
    expect(r.steps[3]!.expected).toEqual({ response: '0b0a0201', out_len: 8 });
    expect(r.steps[3]!.actual).toEqual({ response: '0b0a0201', out_len: 8 });
  });

  it('frames DOE requests with the protocol header and checks and strips the response header', () => {
    const { r, m } = run(`name: doe
steps:
  - boot: {}
  - open: /dev/doe/cxl_pci.doe.1
    fd: d
  - doe: d
    protocol: spdm
    request: get_version
    expect: { response: "10840000", out_len: 4 }
  - doe: { config: "0000:0d:00.0", mailbox: 1 }
    protocol: discovery
    request: 1
    expect: { response: "01000000" }
  - doe: { config: "0000:0d:00.0", mailbox: 1 }
    protocol: compliance
    request: "00 01 00 00 AB"
    expect: { response_match: "^00010000ab0{6}$" }
  - doe: { config: "0000:0d:00.0", mailbox: 2 }
    protocol: cdat
    request: read_entry_3
  - doe: { config: "0000:0d:00.0", mailbox: 9 }
    protocol: cdat
    request: header
  - doe: { config: "0000:0d:00.0", mailbox: 0 }
    protocol: cdat
    request: header
    expect: { errno: EPERM }
`);
    expect(m.calls.filter((c) => c.startsWith('doe'))).toEqual([
      'doe root {"fd":3} 010001000300000010840000',
      'doe root {"config":"0000:0d:00.0","mailbox":1} 010000000300000001000000',
      'doe root {"config":"0000:0d:00.0","mailbox":1} 981e000004000000' + '00010000ab000000',
      'doe root {"config":"0000:0d:00.0","mailbox":2} 981e020003000000' + '00000300',
      'doe root {"config":"0000:0d:00.0","mailbox":9} 981e020003000000' + '00000000',
      'doe root {"config":"0000:0d:00.0","mailbox":0} 981e020003000000' + '00000000',
    ]);
    expect(verdicts(r)).toEqual([true, true, true, true, true, true, 'response header is for ffff:00, not cdat (1e98:02)', true]);
  });

  it('passes trigger options through', () => {
    const { r, m } = run(`name: trigger
steps:
  - boot: {}
  - trigger: { action: add, subsystem: auxiliary, attrs: { driver_override: "(null)" } }
  - trigger: {}
  - check:
      uevents_include: ["add ${DOE1}", "change ${CXL}", "change ${DOE1}"]
`);
    expect(m.calls.filter((c) => c.startsWith('trigger'))).toEqual([
      'trigger {"action":"add","subsystem":"auxiliary","attrs":{"driver_override":"(null)"}}',
      'trigger {}',
    ]);
    expect(verdicts(r)).toEqual([true, true, true, true]);
  });

  it('reports anything but a DriverModelError as a failed step with its message, and goes on', () => {
    const { r } = run(`name: bug
steps:
  - write: /sys/bug
    value: "1"
  - read: /sys/bug
    expect: { errno: EIO }
  - settle: {}
`);
    expect(verdicts(r)).toEqual(['internal error: kaboom', 'expected errno EIO, internal error: kaboom', true]);
    expect(r.steps[0]!.actual).toEqual({ error: 'kaboom' });
    expect(JSON.stringify(r.steps)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('check', () => {
  it('checks bound (null = unbound, unknown device fails), exists and absent', () => {
    const { r } = run(`name: bound
steps:
  - boot: {}
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/unbind
    value: cxl_pci.doe.1
  - check:
      bound: { "0000:0d:00.0": cxl_pci, "auxiliary:cxl_pci.doe.1": null }
      exists: [/dev/doe/cxl_pci.doe.1]
      absent: [/sys/nothing]
  - check:
      bound: { "0000:0d:00.0": null, "cxl_pci.doe.1": pci_doe.doe, "0000:99:00.0": null }
      exists: [/sys/nothing]
      absent: [/dev/doe/cxl_pci.doe.1]
`);
    expect(verdicts(r)).toEqual([
      true,
      true,
      true,
      [
        'bound 0000:0d:00.0: expected null (no driver), got cxl_pci',
        'bound cxl_pci.doe.1: expected pci_doe.doe, got null (no driver)',
        'bound 0000:99:00.0: no such device',
        'exists /sys/nothing: it does not exist',
        'absent /dev/doe/cxl_pci.doe.1: it exists',
      ].join('; '),
    ]);
    expect(r.steps[3]!.actual).toEqual({
      bound: { '0000:0d:00.0': 'cxl_pci', 'cxl_pci.doe.1': null, '0000:99:00.0': { errno: 'ENODEV' } },
      exists: { '/sys/nothing': false },
      absent: { '/dev/doe/cxl_pci.doe.1': true },
    });
  });

  it('checks owner, taint as a set, udev properties (null = absent) and devnodes', () => {
    const { r } = run(`name: state
steps:
  - boot: {}
  - check:
      owner: { cxl_pci.doe.1: kernel }
      taint: ""
      property: { cxl_pci.doe.1: { ID_DOE_ROLE: compliance, ID_UNSET: null } }
      devnode: { /dev/doe/cxl_pci.doe.1: { mode: "0600", owner: root, group: root }, /dev/fwctl/fwctl0: null }
  - check:
      owner: { cxl_pci.doe.1: none }
      taint: JU
      property: { cxl_pci.doe.1: { ID_DOE_ROLE: null, ID_UNSET: x }, nodev: { A: null } }
      devnode: { /dev/doe/cxl_pci.doe.1: { mode: 660, group: video }, /dev/fwctl/fwctl0: { mode: "0600" } }
`);
    expect(verdicts(r)).toEqual([
      true,
      true,
      [
        'owner cxl_pci.doe.1: expected none, got kernel',
        'taint: expected "JU", got ""',
        'property cxl_pci.doe.1 ID_DOE_ROLE: expected absent, got "compliance"',
        'property cxl_pci.doe.1 ID_UNSET: expected "x", got absent',
        'property nodev A: no such device',
        'devnode /dev/doe/cxl_pci.doe.1: expected mode 0660, got 0600',
        'devnode /dev/doe/cxl_pci.doe.1: expected group video, got root',
        'devnode /dev/fwctl/fwctl0: no such node',
      ].join('; '),
    ]);
  });

  it('compares taint letters as a set', () => {
    const { r, m } = run(`name: taint
steps:
  - check: { taint: UJ }
`);
    expect(m).toBeDefined();
    expect(verdicts(r)).toEqual(['taint: expected "JU", got ""']);
    const again = fakeHost();
    const text = 'name: t\nsteps:\n  - boot: {}\n  - check: { taint: UJ }\n';
    const first = runScenarioText(text, 't.yaml', {
      ...again,
      createMachine: (o) => {
        const fm = again.createMachine(o) as FakeMachine;
        fm.taintLetters = 'JUJ';
        return fm;
      },
    });
    expect(verdicts(first)).toEqual([true, true]);
  });

  it('sees, in each check, the uevents since the previous check (boot included at first)', () => {
    const { r } = run(`name: window
steps:
  - boot: {}
  - check:
      uevents: ["add ${CXL}", "bind ${CXL}", "add ${DOE1}", "bind ${DOE1}"]
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/unbind
    value: cxl_pci.doe.1
  - check:
      uevents: ["unbind ${DOE1}"]
  - check:
      uevents: []
  - unplug: "0000:0d:00.0"
  - check:
      taint: "X"
  - check:
      uevents_include: ["remove ${CXL}"]
`);
    expect(verdicts(r)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      'taint: expected "X", got ""',
      `uevents_include[0]: "remove ${CXL}" not found in the window`,
    ]);
    expect(r.steps[3]!.actual).toEqual({ uevents: [`unbind ${DOE1}`] });
  });

  it('a failed check still ends the window', () => {
    const { r } = run(`name: window after failure
steps:
  - boot: {}
  - check: { uevents: [] }
  - check: { uevents: [] }
`);
    expect(verdicts(r)[1]).toBe(`uevents: expected 0 event(s), the window has 4; first unexpected: "add ${CXL}"`);
    expect(verdicts(r)[2]).toBe(true);
  });

  it('matches uevent env maps, null meaning absent, in both exact and include forms', () => {
    const { r } = run(`name: env
steps:
  - boot: {}
  - check:
      uevents_include:
        - { event: "bind ${CXL}", env: { DRIVER: cxl_pci, MODALIAS: null } }
        - "bind ${DOE1}"
  - hotplug: cxl-type3
  - check:
      uevents:
        - "add /devices/pci0000:00/0000:00:03.0/0000:0e:00.0"
        - { event: "bind /devices/pci0000:00/0000:00:03.0/0000:0e:00.0", env: { DRIVER: pci_doe.doe } }
  - write: /sys/bus/auxiliary/devices/cxl_pci.doe.1/unbind
    value: cxl_pci.doe.1
  - check:
      uevents_include:
        - { event: "unbind ${DOE1}", env: { DRIVER: null } }
  - check:
      uevents: ["add ${CXL}"]
`);
    expect(verdicts(r)).toEqual([
      true,
      true,
      true,
      'uevents[1] "bind /devices/pci0000:00/0000:00:03.0/0000:0e:00.0": DRIVER expected "pci_doe.doe", got "cxl_pci"',
      true,
      `uevents_include[0]: "unbind ${DOE1}" not found in the window (the event was seen but DRIVER expected absent, got "pci_doe.doe")`,
      `uevents[0]: expected "add ${CXL}", but the window has only 0 event(s)`,
    ]);
  });

  it('requires uevents_include entries in order', () => {
    const { r } = run(`name: order
steps:
  - boot: {}
  - check:
      uevents_include: ["bind ${DOE1}", "add ${DOE1}"]
`);
    expect(verdicts(r)[1]).toBe(`uevents_include[1]: "add ${DOE1}" not found in the window after "bind ${DOE1}"`);
  });
});
