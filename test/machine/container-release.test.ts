import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from '../../src/machine/index.js';

/**
 * inversify's plan WeakRefs keep their targets alive until the current job ends, so a machine
 * disposed in a synchronous loop must not be reachable from any of them (else 1,000 machines
 * built and dropped in one loop all stay on the heap). These tests record every WeakRef target
 * made while a machine is built, booted and released, then search the object graph from them.
 */
const RealWeakRef = globalThis.WeakRef;
afterEach(() => {
  globalThis.WeakRef = RealWeakRef;
});

function recordWeakRefTargets(): WeakKey[] {
  const targets: WeakKey[] = [];
  globalThis.WeakRef = class<T extends WeakKey> extends RealWeakRef<T> {
    constructor(target: T) {
      super(target);
      targets.push(target);
    }
  } as WeakRefConstructor;
  return targets;
}

/** Whether any of `needles` is reachable from `roots` through own properties, array items, Map/Set entries and plan nodes' `bindings` accessor (functions are not entered). */
function reachable(roots: readonly unknown[], needles: ReadonlySet<object>): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    if (needles.has(v)) return true;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) stack.push(d.value);
    }
    if ('bindings' in v) stack.push((v as { bindings: unknown }).bindings);
  }
  return false;
}

describe('Machine.release releases the container', () => {
  it('should leave no instance of the machine reachable from the WeakRefs its build made', () => {
    const targets = recordWeakRefTargets();
    const m = createMachine({ autoload: true });
    m.boot();
    globalThis.WeakRef = RealWeakRef;
    // The planner made WeakRefs, and before dispose they reach the machine's services.
    expect(targets.length).toBeGreaterThan(0);
    const services = new Set<object>([m, m.core, m.buses, m.sysfs, m.processes, m.uevent, m.scheduler]);
    expect(reachable(targets, services)).toBe(true);
    m.dispose();
    // dispose() alone keeps the machine inspectable, so it stays reachable until release().
    expect(reachable(targets, services)).toBe(true);
    m.release();
    expect(reachable(targets, services)).toBe(false);
  });

  it('should make a second dispose or release a no-op', () => {
    const m = createMachine({ presets: [] });
    m.boot();
    m.release();
    expect(() => m.dispose()).not.toThrow();
    expect(() => m.release()).not.toThrow();
  });
});
