/**
 * Run budgets of property tests and fuzzers: a small default in `npm test`, raised by the stress
 * campaign (`npm run test:stress`) through environment variables. `FUZZ_RUNS` sets the number of
 * inputs of every fuzzer; `FUZZ_SEED` replays one seed.
 */
export function fuzzRuns(base: number): number {
  const v = process.env.FUZZ_RUNS;
  return v === undefined || v === '' ? base : Number(v);
}

/** fast-check parameters: `base` runs unless FUZZ_RUNS says otherwise, the seed FUZZ_SEED or `seed`. */
export function fuzzParams(base: number, seed?: number): { numRuns: number; seed?: number } {
  const s = process.env.FUZZ_SEED;
  const chosen = s === undefined || s === '' ? seed : Number(s);
  return { numRuns: fuzzRuns(base), ...(chosen === undefined ? {} : { seed: chosen }) };
}
