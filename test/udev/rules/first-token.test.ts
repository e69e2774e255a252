/**
 * The interpreter remembers, per event, the outcome of first tokens whose value cannot change
 * while the rules run (src/udev/rules/first-token.ts), and decides most lines from the line
 * table alone (line-table.ts). Counted work (tokens evaluated, never time) shows identical
 * first tokens are evaluated once per event even when they are far apart; property tests show
 * the outcome is the same as evaluating every line (explain mode, the reference), including the
 * selected parent a failed parent group resets (%b, $attr{} read it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, executeRules, rulesWork, UdevDevice, UdevEvent } from '../../../src/udev/index.js';
import { eth0AddUevent, quietExplain, rulesContext } from '../../support/rules-harness.js';

const desc = `
P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0
E: INTERFACE=eth0
E: IFINDEX=4
E: SUBSYSTEM=net
A: address=b8:ce:f6:01:02:03\\n
A: type=1\\n

P: /devices/pci0000:00/0000:00:02.0/0000:03:00.0
E: DRIVER=mlx5_core
E: SUBSYSTEM=pci
A: vendor=0x15b3\\n

P: /devices/pci0000:00/0000:00:02.0
E: SUBSYSTEM=pci
A: vendor=0x8086\\n

P: /devices/pci0000:00
`;

const uevent = eth0AddUevent();

/** The PCI function's bind event: other values for every kept outcome (action, subsystem, driver, name, path). */
const pciBind: Array<[string, string]> = [
  ['ACTION', 'bind'],
  ['DEVPATH', '/devices/pci0000:00/0000:00:02.0/0000:03:00.0'],
  ['SUBSYSTEM', 'pci'],
  ['DRIVER', 'mlx5_core'],
  ['SEQNUM', '2'],
];

/**
 * Run `text` on eth0's add event (`events` times on one context, after the PCI function's bind
 * event with `pciFirst`); the last outcome and the work of all.
 */
function run(text: string, explain = false, events = 1, pciFirst = false) {
  const ctx = rulesContext(desc);
  const rules = compileRules([{ name: '50-t.rules', text }]);
  const lines0 = rulesWork.lines;
  const tokens0 = rulesWork.tokens;
  let out;
  const envs = [...(pciFirst ? [pciBind] : []), ...Array.from({ length: events }, () => uevent)];
  for (const env of envs) {
    const dev = UdevDevice.fromUevent(ctx.fs, ctx.db, env);
    if (typeof dev === 'string') throw new Error(dev);
    const event = new UdevEvent(ctx, dev);
    const result = executeRules(event, rules, explain ? quietExplain : undefined);
    out = { result, properties: [...dev.allProperties()], tags: [...dev.allTags], run: event.runList.map((r) => r.cmd) };
  }
  return { ...out!, lines: rulesWork.lines - lines0, tokens: rulesWork.tokens - tokens0 };
}

describe('first tokens remembered for the event', () => {
  it('evaluates an identical first token once per event, however far apart its lines are', () => {
    const text = Array.from({ length: 40 }, (_, i) => `SUBSYSTEMS=="usb", ENV{U${i}}="1"\nACTION=="remove", ENV{R${i}}="1"\nENV{X${i}}="1"`).join(
      '\n',
    );
    const fast = run(text);
    // 40 ENV{}= lines (one token each), ACTION once, SUBSYSTEMS once on each of the four devices.
    expect(fast.tokens).toBe(45);
    expect(fast.lines).toBe(120);
    expect(run(text, true).tokens).toBe(40 + 40 + 40 * 4);
    expect(fast.properties).toEqual(run(text, true).properties);
    // Each event evaluates SUBSYSTEMS afresh; ACTION's outcome for "add" is kept across events.
    expect(run(text, false, 3).tokens).toBe(45 + 2 * 44);
  });

  it('resets the selected parent on a line skipped because its parent group failed before', () => {
    const text = [
      'KERNELS=="0000:03:00.0", ENV{A}="%b"',
      'SUBSYSTEMS=="usb", ENV{U}="1"',
      'KERNELS=="0000:03:00.0", ENV{B}="%b"',
      'SUBSYSTEMS=="usb", ENV{U}="2"',
      'ENV{C}="%b|$attr{vendor}"',
    ].join('\n');
    const fast = run(text);
    expect(fast.properties).toEqual(run(text, true).properties);
    expect(fast.properties).toContainEqual(['A', '0000:03:00.0']);
    expect(fast.properties).toContainEqual(['C', '|']);
  });

  it('keeps the order of properties a skipped line would have refreshed (TAGS after a TAG+=)', () => {
    // Reading ENV{X} refreshes TAGS in the property list: a line is not skipped past it.
    const text = ['ACTION=="add", TAG+="t"', 'ACTION=="add", SUBSYSTEM=="pci", ENV{X}="1"', 'SUBSYSTEM=="pci", ENV{X}=="1", ENV{X}="1"'].join('\n');
    expect(run(text).properties).toEqual(run(text, true).properties);
  });

  it('gives the outcome of evaluating every line, for any file of such lines (property)', () => {
    const first = [
      'ACTION=="add"',
      'ACTION=="remove"',
      'ACTION!="add|change"',
      'SUBSYSTEM=="net"',
      'SUBSYSTEM!="net"',
      'SUBSYSTEM=="block|net"',
      'KERNEL=="eth*"',
      'KERNEL!="eth[0-9]"',
      'DEVPATH=="*/net/*"',
      'DEVPATH=="*/0000:03:00.0"',
      'ACTION=="bind"',
      'SUBSYSTEM=="pci"',
      'KERNEL=="0000:03:00.0"',
      'DRIVER=="mlx5_core"',
      'DRIVER=="x"',
      'DRIVER!="?*"',
      'ATTR{type}=="1"',
      'ATTR{type}!="1"',
      'ATTR{idVendor}=="1"',
      'ATTRS{vendor}=="0x15b3"',
      'ATTRS{vendor}=="0x8086"',
      'ATTRS{vendor}!="0x15b3"',
      'ATTRS{idVendor}=="1"',
      'SUBSYSTEMS=="usb"',
      'SUBSYSTEMS=="pci"',
      'DRIVERS=="mlx5_core"',
      'DRIVERS=="?*"',
      'KERNELS=="0000:03:00.0"',
      'KERNELS=="0000:00:02.0"',
      'ENV{X}=="1"',
    ];
    // Further tokens: event-device matches (their outcomes are remembered too), others after them.
    const rest = [
      '',
      '',
      ', KERNEL=="eth0"',
      ', KERNEL=="0000:03:00.0"',
      ', SUBSYSTEM=="net"',
      ', SUBSYSTEM=="pci"',
      ', DRIVER=="mlx5_core"',
      ', ATTR{type}=="1"',
      ', ATTR{type}=="2"',
      ', ATTR{idVendor}!="1"',
      ', SUBSYSTEMS=="pci"',
      ', ATTRS{vendor}=="0x8086"',
      ', ENV{X}=="1"',
      ', ENV{X}=="1", SUBSYSTEM=="net"',
      ', ENV{X}!="1", DRIVER=="x"',
    ];
    const action = [
      'ENV{X}="1"',
      'ENV{X}=""',
      'ENV{P}="%b"',
      'ENV{V}="$attr{vendor}"',
      'ENV{D}+="%d"',
      'TAG+="t"',
      'RUN+="r %b"',
      'GOTO="end"',
      // A write the device's attribute cache does not see (as in 252): what a line reads first is kept.
      'ATTR{type}="7"',
    ];
    const line = fc.tuple(fc.constantFrom(...first), fc.constantFrom(...rest), fc.constantFrom(...action)).map(([f, r, a]) => `${f}${r}, ${a}`);
    const lines = fc.array(fc.oneof(line, line, line, fc.constant('LABEL="end"'), fc.constant('ENV{Q}="%b"')), { maxLength: 24 });
    fc.assert(
      fc.property(lines, fc.boolean(), (ls, pciFirst) => {
        const text = ls.join('\n');
        // After another device's event, the outcomes kept per value must not leak into eth0's.
        const fast = run(text, false, 1, pciFirst);
        const reference = run(text, true);
        expect(fast.result).toBe(reference.result);
        expect(fast.properties).toEqual(reference.properties);
        expect(fast.tags).toEqual(reference.tags);
        expect(fast.run).toEqual(reference.run);
        if (!pciFirst) expect(fast.tokens).toBeLessThanOrEqual(reference.tokens);
      }),
      { numRuns: 400 },
    );
  });
});
