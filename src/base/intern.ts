/**
 * One shared copy of short strings that many long-lived records repeat (the values of logged
 * uevents: MODALIAS, PCI_ID, DRIVER, … — made afresh by each event's fill callbacks). The copy is
 * flat and internalized by the JavaScript engine. The table is process-wide and cleared as a
 * whole past INTERN_MAX strings: a working set; strings already shared stay shared.
 */
const table = new Map<string, string>();
const INTERN_MAX = 16384;
/** Longer strings are mostly unique (paths); they are kept as given. */
const INTERN_MAX_LENGTH = 96;

/** The shared copy of `s` (same value). */
export function internString(s: string): string {
  if (s.length > INTERN_MAX_LENGTH) return s;
  let c = table.get(s);
  if (c === undefined) {
    if (table.size >= INTERN_MAX) table.clear();
    // A property key is internalized: reading it back gives the engine's flat internal copy.
    c = Object.keys({ [s]: 0 })[0]!;
    table.set(c, c);
  }
  return c;
}
