/**
 * Counting the WeakRefs code makes (test/machine/container-release.test.ts,
 * bench/machine-build.ts): ECMAScript keeps every WeakRef target made during a job alive until
 * the job ends, so a WeakRef per machine keeps every machine of a synchronous loop alive.
 */

/** WeakRefs constructed while `run` runs (globalThis.WeakRef is counted, then restored). */
export function weakRefsMadeBy(run: () => void): number {
  const RealWeakRef = globalThis.WeakRef;
  let count = 0;
  globalThis.WeakRef = class<T extends WeakKey> extends RealWeakRef<T> {
    constructor(target: T) {
      super(target);
      count++;
    }
  } as WeakRefConstructor;
  try {
    run();
  } finally {
    globalThis.WeakRef = RealWeakRef;
  }
  return count;
}
