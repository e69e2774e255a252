/**
 * Files that are not valid scenarios: each is rejected with exit status 2, a diagnostic at the
 * exact FILE:LINE:COL of the offending node, and no machine is ever created (no step runs).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, runScenarioText } from '../../src/scenario/index.node.js';
import { fakeHost } from './fake-machine.js';

interface Case {
  readonly why: string;
  readonly text: string;
  /** The first diagnostic, exactly. */
  readonly diagnostic: string;
  readonly host?: Parameters<typeof fakeHost>[0];
}

const F = 'bad.yaml';

const cases: Case[] = [
  {
    why: 'unknown top-level key',
    text: 'name: x\nstepz: []\nsteps: []\n',
    diagnostic: `${F}:2:1: unknown key 'stepz' in scenario (expected one of: name, machine, rules, processes, steps)`,
  },
  {
    why: 'unknown key in a step',
    text: 'name: x\nsteps:\n  - write: /sys/x\n    valeu: "1"\n',
    diagnostic: `${F}:3:5: missing required key 'value' in write step`,
  },
  {
    why: 'unknown key in a step, value present',
    text: 'name: x\nsteps:\n  - write: /sys/x\n    value: "1"\n    valeu: "1"\n',
    diagnostic: `${F}:5:5: unknown key 'valeu' in write step (expected one of: write, value, as, expect, settle)`,
  },
  {
    why: 'unknown key in machine',
    text: 'name: x\nmachine:\n  lockdwn: none\nsteps: []\n',
    diagnostic: `${F}:3:3: unknown key 'lockdwn' in machine (expected one of: presets, topology, lockdown, doe, autoload, modules, modprobe)`,
  },
  {
    why: 'wrong type: advance takes a number',
    text: 'name: x\nsteps:\n  - advance: soon\n',
    diagnostic: `${F}:3:14: expected an integer >= 0, got a string ("soon")`,
  },
  {
    why: 'wrong type: steps is a list',
    text: 'name: x\nsteps:\n  boot: {}\n',
    diagnostic: `${F}:3:3: expected a list, got a map`,
  },
  {
    why: 'wrong type: autoload is a boolean',
    text: 'name: x\nmachine: { autoload: maybe }\nsteps: []\n',
    diagnostic: `${F}:2:22: expected true or false, got a string ("maybe")`,
  },
  {
    why: 'wrong enum value: lockdown',
    text: 'name: x\nmachine:\n  lockdown: total\nsteps: []\n',
    diagnostic: `${F}:3:13: expected one of none, integrity, confidentiality, got a string ("total")`,
  },
  {
    why: 'unknown verb',
    text: 'name: x\nsteps:\n  - boot: {}\n  - reboot: {}\n',
    diagnostic: `${F}:4:5: unknown verb 'reboot' (verbs: boot, modprobe, rmmod, hotplug, unplug, write, read, ls, open, close, ioctl, doe, trigger, settle, advance, concurrent, check)`,
  },
  {
    why: 'two verbs in one step',
    text: 'name: x\nsteps:\n  - write: /sys/a\n    value: "1"\n    read: /sys/a\n',
    diagnostic: `${F}:5:5: step has two verbs, 'write' and 'read': write one step per verb`,
  },
  {
    why: 'a step without a verb',
    text: 'name: x\nsteps:\n  - as: root\n',
    diagnostic: `${F}:3:5: step has no verb (one of: boot, modprobe, rmmod, hotplug, unplug, write, read, ls, open, close, ioctl, doe, trigger, settle, advance, concurrent, check)`,
  },
  {
    why: 'settle: false alone is the option, not the verb',
    text: 'name: x\nsteps:\n  - settle: false\n',
    diagnostic: `${F}:3:5: step has no verb (one of: boot, modprobe, rmmod, hotplug, unplug, write, read, ls, open, close, ioctl, doe, trigger, settle, advance, concurrent, check)`,
  },
  {
    why: 'settle: is only for acting steps',
    text: 'name: x\nsteps:\n  - check: { taint: "" }\n    settle: false\n',
    diagnostic: `${F}:4:5: unknown key 'settle' in check step (expected one of: check, as)`,
  },
  {
    why: 'unknown errno name',
    text: 'name: x\nsteps:\n  - rmmod: cxl_pci\n    expect: { errno: EBUSSY }\n',
    diagnostic: `${F}:4:22: 'EBUSSY' is not a Linux errno name`,
  },
  {
    why: 'errno cannot be combined with data expectations',
    text: 'name: x\nsteps:\n  - read: /sys/a\n    expect: { errno: ENOENT, value: "x" }\n',
    diagnostic: `${F}:4:30: errno cannot be combined with value: a failing step has no result`,
  },
  {
    why: 'expect value belongs to read, not write',
    text: 'name: x\nsteps:\n  - write: /sys/a\n    value: "1"\n    expect: { value: "1" }\n',
    diagnostic: `${F}:5:15: unknown key 'value' in expect of a write step (expected one of: errno)`,
  },
  {
    why: 'expect must be ok or a map',
    text: 'name: x\nsteps:\n  - boot: {}\n    expect: fine\n',
    diagnostic: `${F}:4:13: expect must be one of ok, {errno: NAME}`,
  },
  {
    why: 'invalid regular expression',
    text: 'name: x\nsteps:\n  - read: /sys/a\n    expect: { match: "(" }\n',
    diagnostic: `${F}:4:22: invalid regular expression: Invalid regular expression: /(/: Unterminated group`,
  },
  {
    why: 'unknown preset in machine.presets',
    text: 'name: x\nmachine:\n  presets: [cxl-type3, cxl-type9]\nsteps: []\n',
    diagnostic: `${F}:3:24: unknown preset 'cxl-type9' (this build has: cxl-type3, mlx5-nic)`,
  },
  {
    why: 'unknown preset in hotplug',
    text: 'name: x\nsteps:\n  - hotplug: gpu\n',
    diagnostic: `${F}:3:14: unknown preset 'gpu' (this build has: cxl-type3, mlx5-nic)`,
  },
  {
    why: 'unknown process in as:',
    text: 'name: x\nprocesses:\n  alice: { uid: 1000 }\nsteps:\n  - read: /sys/a\n    as: bob\n',
    diagnostic: `${F}:6:9: unknown process 'bob' (declare it under processes:; known: root, alice)`,
  },
  {
    why: 'unknown process as an owner',
    text: 'name: x\nsteps:\n  - check:\n      owner: { cxl_pci.doe.1: bob }\n',
    diagnostic: `${F}:4:31: owner 'bob' is neither kernel, none nor a process (known: root)`,
  },
  {
    why: 'fd never opened (ioctl)',
    text: 'name: x\nsteps:\n  - ioctl: h\n    op: FWCTL_INFO\n',
    diagnostic: `${F}:3:12: fd 'h' was never opened (no earlier open step has fd: h)`,
  },
  {
    why: 'fd opened only later',
    text: 'name: x\nsteps:\n  - close: h\n  - open: /dev/doe/x\n    fd: h\n',
    diagnostic: `${F}:3:12: fd 'h' was never opened (no earlier open step has fd: h)`,
  },
  {
    why: 'fd never opened (doe)',
    text: 'name: x\nsteps:\n  - doe: m\n    protocol: discovery\n    request: 0\n',
    diagnostic: `${F}:3:10: fd 'm' was never opened (no earlier open step has fd: m)`,
  },
  {
    why: 'fd name opened twice',
    text: 'name: x\nsteps:\n  - open: /dev/a\n    fd: h\n  - open: /dev/b\n    fd: h\n',
    diagnostic: `${F}:6:9: fd 'h' is already open (step 1); close it first or pick another name`,
  },
  {
    why: 'fd used by a process that did not open it',
    text: 'name: x\nprocesses:\n  alice: { uid: 1000 }\nsteps:\n  - open: /dev/a\n    fd: h\n    as: alice\n  - close: h\n    as: root\n',
    diagnostic: `${F}:9:9: fd 'h' belongs to 'alice', which opened it in step 1; a step on it runs as that process`,
  },
  {
    why: 'verb not supported by this build',
    text: 'name: x\nsteps:\n  - boot: {}\n  - doe: { config: "0000:0d:00.0", mailbox: 1 }\n    protocol: compliance\n    request: capability\n',
    host: { verbs: ['boot'] },
    diagnostic: `${F}:4:5: verb 'doe' is not supported by this build: its subsystem has not landed`,
  },
  {
    why: 'check key not supported by this build',
    text: 'name: x\nsteps:\n  - check:\n      taint: ""\n      devnode: { /dev/x: null }\n',
    host: { checks: ['taint'] },
    diagnostic: `${F}:5:7: check 'devnode' is not supported by this build: its subsystem has not landed`,
  },
  {
    why: 'malformed YAML: unclosed flow sequence',
    text: 'name: x\nsteps: [\n  - boot: {}\n',
    diagnostic: `${F}:3:3: YAML syntax: block collections are not allowed within flow collections`,
  },
  {
    why: 'malformed YAML: duplicate key',
    text: 'name: x\nname: y\nsteps: []\n',
    diagnostic: `${F}:2:1: YAML syntax: map keys must be unique`,
  },
  {
    why: 'malformed YAML: tab indentation',
    text: 'name: x\nsteps:\n\t- boot: {}\n',
    diagnostic: `${F}:3:1: YAML syntax: tabs are not allowed as indentation`,
  },
  {
    why: 'malformed YAML: two documents',
    text: 'name: x\nsteps: []\n---\nname: y\n',
    diagnostic: `${F}:3:1: YAML syntax: a scenario file holds one document (no second ---)`,
  },
  {
    why: 'unresolved alias',
    text: 'name: x\nsteps:\n  - modprobe: *mod\n',
    diagnostic: `${F}:3:15: unresolved alias *mod`,
  },
  { why: 'empty file', text: '# nothing\n', diagnostic: `${F}:1:1: empty file: a scenario needs name: and steps:` },
  { why: 'missing name', text: 'steps: []\n', diagnostic: `${F}:1:1: missing required key 'name' in scenario` },
  {
    why: 'odd number of hex digits',
    text: 'name: x\nsteps:\n  - open: /dev/fwctl/fwctl0\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    scope: CONFIGURATION\n    payload: "0a 0b 0"\n',
    diagnostic: `${F}:8:14: expected hex bytes (an even number of hex digits, spaces allowed), got a string ("0a 0b 0")`,
  },
  {
    why: 'FWCTL_RPC without scope',
    text: 'name: x\nsteps:\n  - open: /dev/fwctl/fwctl0\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    payload: "00"\n',
    diagnostic: `${F}:6:9: FWCTL_RPC needs scope:`,
  },
  {
    why: 'FWCTL_INFO with a payload',
    text: 'name: x\nsteps:\n  - open: /dev/fwctl/fwctl0\n    fd: f\n  - ioctl: f\n    op: FWCTL_INFO\n    payload: "00"\n',
    diagnostic: `${F}:7:5: FWCTL_INFO takes no scope:, payload: or out_len: (they are for FWCTL_RPC)`,
  },
  {
    why: 'unknown fwctl scope',
    text: 'name: x\nsteps:\n  - open: /dev/fwctl/fwctl0\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    scope: GOD_MODE\n    payload: ""\n',
    diagnostic: `${F}:7:12: expected a fwctl scope (CONFIGURATION, DEBUG_READ_ONLY, DEBUG_WRITE, DEBUG_WRITE_FULL, or a number 0-4294967295), got "GOD_MODE"`,
  },
  {
    why: 'fwctl scope that is no u32',
    text: 'name: x\nsteps:\n  - open: /dev/fwctl/fwctl0\n    fd: f\n  - ioctl: f\n    op: FWCTL_RPC\n    scope: -1\n    payload: ""\n',
    diagnostic: `${F}:7:12: expected a fwctl scope (CONFIGURATION, DEBUG_READ_ONLY, DEBUG_WRITE, DEBUG_WRITE_FULL, or a number 0-4294967295), got "-1"`,
  },
  {
    why: 'unknown DOE protocol',
    text: 'name: x\nsteps:\n  - doe: { config: "0000:0d:00.0", mailbox: 1 }\n    protocol: ide\n    request: "00"\n',
    diagnostic: `${F}:4:15: expected one of discovery, compliance, cdat, spdm, got a string ("ide")`,
  },
  {
    why: 'discovery index out of range',
    text: 'name: x\nsteps:\n  - doe: { config: "0000:0d:00.0", mailbox: 1 }\n    protocol: discovery\n    request: 300\n',
    diagnostic: `${F}:5:14: a discovery index is 0-255, got 300`,
  },
  {
    why: 'unknown named DOE request',
    text: 'name: x\nsteps:\n  - doe: { config: "0000:0d:00.0", mailbox: 2 }\n    protocol: spdm\n    request: get_vers\n',
    diagnostic: `${F}:5:14: 'get_vers' is neither hex bytes nor a spdm request name (get_version, get_capabilities, get_digests, get_certificate)`,
  },
  {
    why: 'DOE request missing',
    text: 'name: x\nsteps:\n  - doe: { config: "0000:0d:00.0", mailbox: 2 }\n    protocol: spdm\n',
    diagnostic: `${F}:3:5: missing required key 'request'`,
  },
  {
    why: 'malformed BDF',
    text: 'name: x\nsteps:\n  - unplug: "03:00.0"\n',
    diagnostic: `${F}:3:13: expected a PCI address such as 0000:0d:00.0, got a string ("03:00.0")`,
  },
  {
    why: 'malformed uevent entry',
    text: 'name: x\nsteps:\n  - check:\n      uevents: ["added /devices/x"]\n',
    diagnostic: `${F}:4:17: expected "ACTION DEVPATH" (ACTION one of add, remove, change, move, online, offline, bind, unbind, DEVPATH from /devices/...), got "added /devices/x"`,
  },
  {
    why: 'malformed uevent entry in the map form',
    text: 'name: x\nsteps:\n  - check:\n      uevents_include:\n        - { event: "bind", env: { DRIVER: x } }\n',
    diagnostic: `${F}:5:20: expected "ACTION DEVPATH" (ACTION one of add, remove, change, move, online, offline, bind, unbind, DEVPATH from /devices/...), got "bind"`,
  },
  {
    why: 'taint letter that is no taint',
    text: 'name: x\nsteps:\n  - check: { taint: "Z" }\n',
    diagnostic: `${F}:3:21: expected taint letters (PFSRMBUDAWCIOELKXTNJ), "" for none, got a string ("Z")`,
  },
  {
    why: 'relative path',
    text: 'name: x\nsteps:\n  - read: sys/bus\n',
    diagnostic: `${F}:3:11: expected an absolute path (starting with /), got a string ("sys/bus")`,
  },
  {
    why: 'open mode',
    text: 'name: x\nsteps:\n  - open: /dev/a\n    mode: x\n    fd: h\n',
    diagnostic: `${F}:4:11: expected one of r, w, rw, got a string ("x")`,
  },
  {
    why: 'unknown capability',
    text: 'name: x\nprocesses:\n  tool: { uid: 0, caps: [CAP_SYS_ADMIN, CAP_GODMODE] }\nsteps: []\n',
    diagnostic: `${F}:3:41: expected a capability name such as CAP_SYS_ADMIN, got a string ("CAP_GODMODE")`,
  },
  {
    why: 'root cannot be redefined',
    text: 'name: x\nprocesses:\n  root: { uid: 0 }\nsteps: []\n',
    diagnostic: `${F}:3:3: 'root' always exists (uid 0, gid 0, every capability) and cannot be redefined`,
  },
  {
    why: 'process uid missing',
    text: 'name: x\nprocesses:\n  alice: { gid: 100 }\nsteps: []\n',
    diagnostic: `${F}:3:10: missing required key 'uid' in process`,
  },
  {
    why: 'rules entry with neither text nor file',
    text: 'name: x\nrules:\n  - name: 60-x.rules\nsteps: []\n',
    diagnostic: `${F}:3:5: missing required key 'text' in rules entry`,
  },
  {
    why: 'rules file that does not exist',
    text: 'name: x\nrules:\n  - file: rules/nope.rules\nsteps: []\n',
    diagnostic: `${F}:3:11: cannot read rules file 'rules/nope.rules' (ENOENT)`,
  },
  {
    why: 'two rules with one name',
    text: 'name: x\nrules:\n  - { name: 60-a.rules, text: "" }\n  - { name: 60-a.rules, text: "" }\nsteps: []\n',
    diagnostic: `${F}:4:5: rules name '60-a.rules' is also used by rules entry 1; names must be unique`,
  },
  {
    why: 'boot takes no arguments',
    text: 'name: x\nsteps:\n  - boot: now\n',
    diagnostic: `${F}:3:11: boot takes no arguments: write 'boot: {}'`,
  },
  {
    why: 'devnode mode',
    text: 'name: x\nsteps:\n  - check:\n      devnode: { /dev/fwctl/fwctl0: { mode: "rw-rw----" } }\n',
    diagnostic: `${F}:4:45: expected an octal mode such as "0660", got a string ("rw-rw----")`,
  },
];

describe('invalid scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-invalid-'));

  it.each(cases)('$why', ({ text, diagnostic, host: hostOptions }) => {
    const host = fakeHost(hostOptions);
    const file = join(dir, F);
    writeFileSync(file, text);
    const result = runScenarioText(text, F, host, { baseDir: dir });
    expect(result.status).toBe(2);
    expect(result.steps).toEqual([]);
    expect(host.machines).toEqual([]);
    expect(result.diagnostics.map(formatDiagnostic)[0]).toBe(diagnostic);
  });

  it('reports every problem of the file, in file order', () => {
    const text = 'name: x\nmachine: { lockdown: total }\nsteps:\n  - reboot: {}\n  - advance: -1\n';
    const result = runScenarioText(text, F, fakeHost());
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${F}:2:22: expected one of none, integrity, confidentiality, got a string ("total")`,
      `${F}:4:5: unknown verb 'reboot' (verbs: boot, modprobe, rmmod, hotplug, unplug, write, read, ls, open, close, ioctl, doe, trigger, settle, advance, concurrent, check)`,
      `${F}:5:14: expected an integer >= 0, got a number (-1)`,
    ]);
  });

  it('rejects a file whose machine cannot be built, at rules:, before any step', () => {
    const host = fakeHost({ failCreate: true });
    const text = 'name: x\nrules:\n  - name: 60-bad.rules\n    text: "BOGUS"\nsteps:\n  - boot: {}\n';
    const result = runScenarioText(text, F, host);
    expect(result.status).toBe(2);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([`${F}:3:5: cannot build the machine: EINVAL: 60-bad.rules:1: invalid key`]);
  });

  it('rejects a process the machine refuses (unknown group), before any step', () => {
    const host = fakeHost();
    const text = 'name: x\nprocesses:\n  alice: { uid: 1000, groups: [nosuchgroup] }\nsteps:\n  - boot: {}\n';
    const result = runScenarioText(text, F, host);
    expect(result.status).toBe(2);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([`${F}:3:10: process 'alice': EINVAL: unknown group 'nosuchgroup'`]);
    expect(host.machines[0]!.calls).toEqual(['addProcess alice']);
    expect(host.machines[0]!.disposed).toBe(true);
  });
});
