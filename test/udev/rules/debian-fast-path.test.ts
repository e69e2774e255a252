/**
 * The interpreter's fast path (line table, remembered first tokens, runs of lines stepped over)
 * against evaluating every line (explain mode) on Debian bookworm's full rules set
 * (test/fixtures/udev-rules/bookworm), for the event of every recorded conformance case's
 * device (test/conformance/udev/cases-real: USB, input, block, NVMe, dm, network, sound …):
 * the same outcome — properties, tags, links, RUN list, name, owner, mode, database entry —
 * with less work. And the work one netdev `add` takes (the bench's event) is counted, so a
 * change that evaluates more tokens per event shows here, not only in the bench.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules, type DeviceAction, executeRules, rulesWork, UdevDevice, UdevEvent } from '../../../src/udev/index.js';
import { benchNetdevDesc, quietExplain, rulesContext } from '../../support/rules-harness.js';

const fixtures = join(import.meta.dirname, '../../fixtures/udev-rules/bookworm');
const ruleFiles = readdirSync(fixtures)
  .filter((f) => f.endsWith('.rules'))
  .map((f) => ({ name: f, text: new Uint8Array(readFileSync(join(fixtures, f))) }));
/** One compiled set for all cases: outcomes kept per value carry over from case to case. */
const rules = compileRules(ruleFiles);
const casesDir = join(import.meta.dirname, '../../conformance/udev/cases-real');
const cases = readdirSync(casesDir)
  .filter((d) => existsSync(join(casesDir, d, 'device.desc')))
  .sort();

/** The events of a case: its `events` file, else `add` of the first device. */
function eventsOf(dir: string, desc: string): Array<{ action: DeviceAction; devpath: string }> {
  const file = join(dir, 'events');
  if (!existsSync(file)) return [{ action: 'add', devpath: /^P:\s?(.*)$/m.exec(desc)![1]!.trim() }];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => ({ action: l.slice(0, l.indexOf(':')) as DeviceAction, devpath: l.slice(l.indexOf(':') + 1) }));
}

/** The case's events on a fresh environment, one after the other; what each left behind and the work. */
function runCase(desc: string, events: ReadonlyArray<{ action: DeviceAction; devpath: string }>, explain: boolean, compiled = rules) {
  const ctx = rulesContext(desc);
  const tokens0 = rulesWork.tokens;
  const lines0 = rulesWork.lines;
  const outcomes = events.map(({ action, devpath }) => {
    const dev = UdevDevice.fromSyspath(ctx.fs, ctx.db, '/sys' + (devpath.startsWith('/') ? devpath : '/' + devpath));
    if (typeof dev === 'string') return dev;
    dev.readUevent();
    dev.setAction(action);
    dev.sealed = true;
    const event = new UdevEvent(ctx, dev);
    const result = executeRules(event, compiled, explain ? quietExplain : undefined);
    return {
      result,
      errno: event.errno,
      properties: [...dev.allProperties()],
      tags: [...dev.allTags],
      currentTags: [...dev.currentTags],
      devlinks: [...dev.devlinks],
      run: event.runList,
      name: event.name,
      owner: [event.uid, event.gid, event.mode],
      seclabels: event.seclabels,
      db: dev.deviceId === undefined ? undefined : ctx.db.get(dev.deviceId),
    };
  });
  return { outcomes, tokens: rulesWork.tokens - tokens0, lines: rulesWork.lines - lines0 };
}

describe("the fast path on Debian's full rules set", () => {
  it('has conformance cases to run', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases)('%s: the outcome of evaluating every line, with fewer tokens', (name) => {
    const desc = readFileSync(join(casesDir, name, 'device.desc'), 'utf8');
    const events = eventsOf(join(casesDir, name), desc);
    const fast = runCase(desc, events, false);
    const reference = runCase(desc, events, true);
    expect(fast.outcomes).toEqual(reference.outcomes);
    expect(fast.tokens).toBeLessThan(reference.tokens);
  });

  it('counts the work of the bench netdev add event: lines and tokens evaluated, first and repeated', () => {
    const text = benchNetdevDesc;
    const events = [{ action: 'add' as const, devpath: '/devices/pci0000:00/0000:00:02.0/0000:03:00.0/net/eth0' }];
    const fresh = compileRules(ruleFiles);
    const first = runCase(text, events, false, fresh);
    const again = runCase(text, events, false, fresh);
    const reference = runCase(text, events, true, fresh);
    expect(first.outcomes).toEqual(reference.outcomes);
    expect(again.outcomes).toEqual(reference.outcomes);
    // Every line past the pre-filter (udev 252 visits them all): 807 lines, 1,043 tokens.
    expect(reference.tokens).toBeGreaterThan(1000);
    // Measured 301 lines, 225 tokens; then 134 once ACTION, SUBSYSTEM, KERNEL … outcomes are kept.
    expect(first.lines).toBeLessThanOrEqual(310);
    expect(first.tokens).toBeLessThanOrEqual(235);
    expect(again.tokens).toBeLessThanOrEqual(140);
  });
});
