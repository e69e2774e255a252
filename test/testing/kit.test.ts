/**
 * auxbus/testing: the fixture disposes its machine whatever the outcome; ownerOf/holders agree with
 * `check: owner`; runScenario returns per-step results; and every matcher passes when it should
 * and fails with a message naming what it saw (asserted on the message text).
 */
import { describe, expect, it } from 'vitest';
import { doeEncodeObject, doeProtocols, dwordsToBytes } from '../../src/protocols/index.js';
import {
  actAs,
  holders,
  machineTest,
  ownerOf,
  runScenario,
  scenarioFailures,
  udevProperties,
  ueventRecorder,
  useMachine,
  type Machine,
} from '../../src/testing/index.js';

const CXL = '0000:0d:00.0';
const DOE1 = 'cxl_pci.doe.1';
const NODE = `/dev/doe/${DOE1}`;
const request = dwordsToBytes(doeEncodeObject(doeProtocols.CXL_COMPLIANCE, new Uint8Array([0, 1, 0, 0])));

/** The message `fn`'s failed assertion carries. */
function failure(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the assertion passed');
}

function handOver(m: Machine): void {
  const root = actAs(m, 'admin');
  m.modprobe('doe_user');
  root.writeFile(`/sys/bus/auxiliary/devices/${DOE1}/driver_override`, 'doe_user.doe');
  root.writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
  root.writeFile('/sys/bus/auxiliary/drivers_probe', DOE1);
}

describe('the machine fixture', () => {
  let leaked: Machine | undefined;
  it.fails('should dispose the machine even when an assertion fails (this test fails on purpose)', () => {
    const m = useMachine({ modules: ['cxl_pci', 'pci_doe', 'doe_user'] });
    handOver(m);
    actAs(m, 'tool').open(NODE, 'rw');
    leaked = m;
    expect(holders(m, NODE)).toEqual([]);
  });
  it('…and the failed test’s machine was disposed: its processes exited, the file closed', () => {
    expect(leaked).toBeDefined();
    expect(holders(leaked!, NODE)).toEqual([]);
    expect(ownerOf(leaked!, DOE1)).toBe('none');
  });

  const withMachine = machineTest({ presets: ['cxl-type3'], modules: ['cxl_pci'], lockdown: 'integrity' });
  withMachine('should pass options through test.extend', ({ machine }) => {
    expect(machine.lockdown.level).toBe('integrity');
    expect(machine.findDevice(CXL)).toBeBoundTo('cxl_pci');
  });
});

describe('ownerOf and holders', () => {
  it('should report kernel, a process, then none as check: owner does', () => {
    const m = useMachine({ modules: ['cxl_pci', 'pci_doe'] });
    expect(ownerOf(m, DOE1)).toBe('kernel');
    handOver(m);
    expect(ownerOf(m, DOE1)).toBe('none');
    const tool = actAs(m, 'tool', { uid: 0, caps: [] });
    const fd = tool.open(NODE, 'rw');
    expect(ownerOf(m, DOE1)).toBe('tool');
    expect(holders(m, NODE)).toEqual([{ process: 'tool', pid: tool.process.pid, fd }]);
    expect(tool.doe(fd, request).length).toBeGreaterThan(0);
    tool.close(fd);
    expect(ownerOf(m, m.findDevice(DOE1))).toBe('none');
  });
});

const PASSING = `name: bind
machine: { presets: [cxl-type3], modules: [cxl_pci] }
steps:
  - boot: {}
  - check: { bound: { "${CXL}": cxl_pci } }
`;
const FAILING = `name: wrong
machine: { presets: [cxl-type3], modules: [cxl_pci] }
steps:
  - boot: {}
  - check: { bound: { "${CXL}": cxl_pci } }
  - check: { bound: { "${CXL}": mlx5_core } }
`;

describe('runScenario and toPassScenario', () => {
  it('should return one result per step', () => {
    const r = runScenario(FAILING, { fileName: 'wrong.yaml' });
    expect(r.steps.map((s) => [s.step, s.line, s.ok])).toEqual([
      [1, 4, true],
      [2, 5, true],
      [3, 6, false],
    ]);
    expect(PASSING).toPassScenario();
  });
  it('should fail with the scenario’s own message and line', () => {
    const r = runScenario(FAILING, { fileName: 'wrong.yaml' });
    expect(failure(() => expect(r).toPassScenario())).toMatch(/^wrong\.yaml:6: check .*expected mlx5_core, got cxl_pci$/);
    expect(failure(() => expect(runScenario('name: bad\nsteps: [\n', { fileName: 'bad.yaml' })).toPassScenario())).toMatch(/^bad\.yaml:\d+:\d+: /);
    expect(scenarioFailures(runScenario('examples/scenarios/missing.yaml'))).toEqual([
      'examples/scenarios/missing.yaml:1:1: cannot read the file (ENOENT)',
    ]);
  });
});

describe('matchers and their failure messages', () => {
  it('toBeBoundTo / toBeUnbound', () => {
    const m = useMachine({ modules: ['cxl_pci'] });
    const dev = m.findDevice(CXL);
    expect(dev).toBeBoundTo('cxl_pci');
    expect(failure(() => expect(dev).toBeBoundTo('vfio-pci'))).toBe(`expected ${CXL} to be bound to vfio-pci, but it is bound to cxl_pci`);
    expect(failure(() => expect(dev).toBeUnbound())).toBe(`expected ${CXL} to be unbound, but it is bound to cxl_pci`);
    actAs(m, 'admin').writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL);
    expect(dev).toBeUnbound();
    expect(failure(() => expect(dev).toBeBoundTo('cxl_pci'))).toBe(`expected ${CXL} to be bound to cxl_pci, but it is unbound`);
    expect(failure(() => expect('x').toBeUnbound())).toMatch(/expected a Device/);
  });

  it('toBeOwnedBy', () => {
    const m = useMachine({ modules: ['cxl_pci', 'pci_doe'] });
    handOver(m);
    const fd = actAs(m, 'alice', { uid: 0, caps: [] }).open(NODE, 'rw');
    expect(fd).toBeGreaterThanOrEqual(3);
    expect(m.findDevice(DOE1)).toBeOwnedBy('alice');
    expect(failure(() => expect(m.findDevice(DOE1)).toBeOwnedBy('kernel'))).toBe(`expected ${DOE1} to be owned by kernel, but its owner is alice`);
    expect(failure(() => expect(m.findDevice(DOE1)).not.toBeOwnedBy('alice'))).toBe(
      `expected ${DOE1} not to be owned by alice, but its owner is alice`,
    );
  });

  it('toHaveEmittedUevents (exact) and toHaveEmittedUeventsInOrder, with env', () => {
    const m = useMachine({ modules: ['cxl_pci', 'pci_doe'] });
    const rec = ueventRecorder(m);
    actAs(m, 'admin').writeFile('/sys/bus/auxiliary/drivers/pci_doe.doe/unbind', DOE1);
    m.settle();
    const events = rec.takeEvents();
    expect(events).toHaveEmittedUevents([{ action: 'unbind', devpath: DOE1, env: { SUBSYSTEM: 'auxiliary' } }]);
    expect(m).toHaveEmittedUeventsInOrder([`add ${CXL}`, `bind ${CXL}`, `unbind ${DOE1}`]);
    expect(failure(() => expect(events).toHaveEmittedUevents([`unbind ${DOE1}`, `remove ${DOE1}`]))).toMatch(
      new RegExp(
        `^expected 2 events, got 1\\nexpected exactly:\\n  unbind ${DOE1}\\n  remove ${DOE1}\\nreceived:\\n  \\d+ unbind /devices/.*/${DOE1}$`,
      ),
    );
    expect(failure(() => expect(events).toHaveEmittedUevents([{ action: 'unbind', env: { DRIVER: 'doe_user.doe' } }]))).toMatch(
      /^event 1: expected unbind \* DRIVER=doe_user\.doe, got \d+ unbind /,
    );
    expect(failure(() => expect(m).toHaveEmittedUeventsInOrder([`unbind ${DOE1}`, `add ${CXL}`]))).toMatch(
      new RegExp(`^no event matches add ${CXL} \\(pattern 2 of 2\\) after the 1 matched before it\\nreceived:`),
    );
    const swapped = [events[0]!, { ...events[0]!, seqnum: events[0]!.seqnum - 1 }];
    expect(failure(() => expect(swapped).toHaveEmittedUevents([]))).toMatch(/^uevents out of SEQNUM order: SEQNUM \d+ follows \d+/);
  });

  it('toHaveTaint', () => {
    const m = useMachine({ modules: ['cxl_pci'] });
    expect(m).not.toHaveTaint('O');
    expect(failure(() => expect(m).toHaveTaint('O'))).toBe(
      `expected the kernel to be tainted 'O', but its taint is ${m.taint.letters === '' ? 'empty (untainted)' : `'${m.taint.letters}'`} (missing 'O')`,
    );
  });

  it('toFailWithErrno', () => {
    const m = useMachine({ modules: ['cxl_pci'] });
    const user = actAs(m, 'user', { uid: 1000 });
    expect(() => user.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL)).toFailWithErrno('EACCES');
    expect(failure(() => expect(() => user.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', CXL)).toFailWithErrno('EPERM'))).toMatch(
      /^expected EPERM, got EACCES: /,
    );
    expect(failure(() => expect(() => 1).toFailWithErrno('EBUSY'))).toBe('expected EBUSY, but the call succeeded');
    expect(
      failure(() =>
        expect(() => {
          throw new TypeError('boom');
        }).toFailWithErrno('EBUSY'),
      ),
    ).toBe('expected EBUSY, but the call threw a non-errno error: boom');
  });

  it('toHaveProperty on the udev database', () => {
    const m = useMachine({ modules: ['cxl_pci'], rules: [{ name: '70-tag.rules', text: 'SUBSYSTEM=="pci", ENV{AUXBUS_TEST}="yes"\n' }] });
    const props = udevProperties(m, CXL);
    expect(props).toHaveProperty('AUXBUS_TEST', 'yes');
    expect(props).toHaveProperty('DRIVER', 'cxl_pci');
    expect(failure(() => expect(props).toHaveProperty('AUXBUS_TEST', 'no'))).toMatch(/to have property "AUXBUS_TEST" with value 'no'/);
  });
});
