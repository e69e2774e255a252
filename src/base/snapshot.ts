/**
 * Machine snapshot/restore, in place (issue #11, docs/snapshot.md).
 *
 * A snapshot walks the object graph reachable from its roots (a machine's services) once and
 * records, for every mutable object it meets, that object's contents: the own data properties of
 * class instances and plain objects, the elements of arrays, the entries of Maps and Sets, the
 * bytes of ArrayBuffers, and the private fields a class exposes through `Snapshottable`. Restore
 * puts every recorded object's contents back into the *same* object: identities other objects
 * and queued scheduler closures hold stay valid, and objects created after the snapshot become
 * unreachable because the collections that held them are restored. A token can be restored any
 * number of times.
 *
 * What the walk cannot see, a class must show:
 * - native `#private` fields: the class implements `Snapshottable` (`snapshotFields` returns the
 *   values of its mutable private fields, `restoreFields` assigns the reassignable ones back);
 *   the walk calls each prototype's own pair, so a subclass lists only its own fields;
 * - WeakMap side tables: the walk treats every WeakMap and WeakSet it meets, and those a module
 *   declares with `sideTable()`, as tables keyed by the class instances the walk visits;
 * - state captured by closures only (a `let` inside a factory): not seen. Keep such state in
 *   objects; the property test (test/machine/snapshot.property.test.ts) finds what is missed.
 *
 * A suspended generator or an iterator in the graph is a frame the walk cannot copy: snapshot
 * throws (take it at a quiescent point). Objects marked `opaque()` are kept by identity and not
 * walked (immutable data, the DI container, process-wide memo caches).
 */
import { BugIndicatingError } from './errors.js';

/** A class whose `#private` fields hold mutable state. */
export interface Snapshottable {
  /** The values of this class's own mutable private fields, in a fixed order (not its base's). */
  snapshotFields(): readonly unknown[];
  /** Assigns back the fields `snapshotFields` listed (those never reassigned may be skipped). */
  restoreFields(values: readonly unknown[]): void;
}

/** An opaque snapshot of a machine: pass it back to `restore`. */
export interface SnapshotToken {
  readonly objects: number;
}

const opaqueObjects = new WeakSet<object>();
const opaquePrototypes = new WeakSet<object>();
const moduleTables: (WeakMap<object, unknown> | WeakSet<object>)[] = [];

/** Marks `value` as kept by identity, never walked or restored (immutable, or not machine state). */
export function opaque<T extends object>(value: T): T {
  opaqueObjects.add(value);
  return value;
}

/** Marks every instance of `ctor` as opaque. */
export function opaqueClass(ctor: abstract new (...args: never[]) => unknown): void {
  opaquePrototypes.add(ctor.prototype as object);
}

/**
 * Declares a module-level WeakMap/WeakSet keyed by machine objects (a side table, as the kernel's
 * per-device private data): snapshots capture and restore its entries for the objects they walk.
 */
export function sideTable<T extends WeakMap<object, unknown> | WeakSet<object>>(table: T): T {
  moduleTables.push(table);
  return table;
}

const enum Kind {
  Object,
  Array,
  Map,
  Set,
  Buffer,
  Private,
}

type Rec =
  | {
      readonly k: Kind.Object;
      readonly o: Record<PropertyKey, unknown>;
      readonly keys: readonly PropertyKey[];
      readonly values: readonly unknown[];
      readonly n: number;
    }
  | { readonly k: Kind.Array; readonly o: unknown[]; readonly values: readonly unknown[] }
  | { readonly k: Kind.Map; readonly o: Map<unknown, unknown>; readonly values: readonly unknown[] }
  | { readonly k: Kind.Set; readonly o: Set<unknown>; readonly values: readonly unknown[] }
  | { readonly k: Kind.Buffer; readonly o: ArrayBuffer; readonly bytes: Uint8Array }
  | { readonly k: Kind.Private; readonly o: object; readonly proto: Snapshottable; readonly values: readonly unknown[] };

interface TableRec {
  readonly table: WeakMap<object, unknown> | WeakSet<object>;
  readonly entries: readonly (readonly [object, unknown])[];
}

class Token implements SnapshotToken {
  constructor(
    readonly recs: readonly Rec[],
    readonly tables: readonly TableRec[],
    /** The class instances walked: candidate keys of side tables. */
    readonly instances: readonly object[],
  ) {}
  get objects(): number {
    return this.recs.length;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

function tag(v: object): string {
  return Object.prototype.toString.call(v);
}

/** Walks the graph from `roots` and records every mutable object's contents. */
export function takeSnapshot(roots: readonly unknown[]): SnapshotToken {
  const seen = new Set<object>();
  const recs: Rec[] = [];
  const instances: object[] = [];
  const tables = new Set<WeakMap<object, unknown> | WeakSet<object>>(moduleTables);
  const stack: unknown[] = [...roots];
  const push = (v: unknown): void => {
    if ((typeof v === 'object' && v !== null) || typeof v === 'function') stack.push(v);
  };
  const drain = (): void => {
    while (stack.length > 0) {
      const v = stack.pop();
      if (typeof v !== 'object' || v === null || seen.has(v)) continue;
      seen.add(v);
      if (opaqueObjects.has(v)) continue;
      const proto = Object.getPrototypeOf(v) as object | null;
      if (proto !== null && opaquePrototypes.has(proto)) continue;
      if (Array.isArray(v)) {
        if (!Object.isFrozen(v)) recs.push({ k: Kind.Array, o: v, values: v.slice() });
        for (const e of v) push(e);
        continue;
      }
      if (v instanceof Map) {
        const values: unknown[] = [];
        for (const [key, value] of v) {
          values.push(key, value);
          push(key);
          push(value);
        }
        recs.push({ k: Kind.Map, o: v, values });
        continue;
      }
      if (v instanceof Set) {
        const values = [...v];
        values.forEach(push);
        recs.push({ k: Kind.Set, o: v, values });
        continue;
      }
      if (v instanceof ArrayBuffer) {
        recs.push({ k: Kind.Buffer, o: v, bytes: new Uint8Array(v.slice(0)) });
        continue;
      }
      if (ArrayBuffer.isView(v)) {
        push(v.buffer);
        continue;
      }
      if (v instanceof WeakMap || v instanceof WeakSet) {
        tables.add(v);
        continue;
      }
      if (v instanceof RegExp || v instanceof Date || v instanceof Promise) continue;
      const t = tag(v);
      if (t === '[object Generator]' || t.endsWith(' Iterator]') || t === '[object WeakRef]') {
        throw new BugIndicatingError(`snapshot: the machine holds a ${t} (a suspended frame or weak reference), which cannot be copied`);
      }
      if (proto !== Object.prototype && proto !== null) instances.push(v);
      // Own data properties (public fields of class instances, plain objects).
      if (!Object.isFrozen(v)) {
        const keys: PropertyKey[] = [];
        const values: unknown[] = [];
        const own = Reflect.ownKeys(v);
        for (const key of own) {
          const d = Object.getOwnPropertyDescriptor(v, key)!;
          if (!('value' in d)) continue;
          push(d.value);
          if (d.writable !== true) continue;
          keys.push(key);
          values.push(d.value);
        }
        recs.push({ k: Kind.Object, o: v as Record<PropertyKey, unknown>, keys, values, n: own.length });
      } else {
        for (const key of Reflect.ownKeys(v)) push((v as Record<PropertyKey, unknown>)[key]);
      }
      // Private fields, each prototype level its own.
      for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
        if (hasOwn.call(p, 'snapshotFields') && hasOwn.call(p, 'restoreFields')) {
          const s = p as Snapshottable;
          const values = s.snapshotFields.call(v);
          values.forEach(push);
          recs.push({ k: Kind.Private, o: v, proto: s, values: [...values] });
        }
      }
    }
  };
  drain();
  // Side tables: entries keyed by walked instances; their values are part of the state too.
  const tableRecs: TableRec[] = [];
  const done = new Set<WeakMap<object, unknown> | WeakSet<object>>();
  for (;;) {
    const pending = [...tables].filter((t) => !done.has(t));
    if (pending.length === 0) break;
    for (const table of pending) {
      done.add(table);
      const entries: (readonly [object, unknown])[] = [];
      for (const key of instances) {
        if (!table.has(key)) continue;
        const value = table instanceof WeakMap ? table.get(key) : true;
        entries.push([key, value]);
        push(value);
      }
      tableRecs.push({ table, entries });
    }
    const before = instances.length;
    drain();
    // New instances reached through table values: look them up in every table again.
    if (instances.length !== before) {
      done.clear();
      tableRecs.splice(0);
    }
  }
  return new Token(recs, tableRecs, instances);
}

/** Puts every object a snapshot recorded back to its recorded contents (any number of times). */
export function restoreSnapshot(token: SnapshotToken): void {
  if (!(token instanceof Token)) throw new BugIndicatingError('restore: not a snapshot token');
  for (const r of token.recs) {
    switch (r.k) {
      case Kind.Object: {
        const o = r.o;
        const now = Reflect.ownKeys(o);
        // A property added since the snapshot goes (one it had is put back below).
        if (now.length !== r.n)
          for (const key of now)
            if (!r.keys.includes(key) && Object.getOwnPropertyDescriptor(o, key)?.writable === true) Reflect.deleteProperty(o, key);
        for (let i = 0; i < r.keys.length; i++) o[r.keys[i]!] = r.values[i];
        break;
      }
      case Kind.Array:
        r.o.length = r.values.length;
        for (let i = 0; i < r.values.length; i++) r.o[i] = r.values[i];
        break;
      case Kind.Map:
        r.o.clear();
        for (let i = 0; i < r.values.length; i += 2) r.o.set(r.values[i], r.values[i + 1]);
        break;
      case Kind.Set:
        r.o.clear();
        for (const v of r.values) r.o.add(v);
        break;
      case Kind.Buffer:
        new Uint8Array(r.o).set(r.bytes);
        break;
      case Kind.Private:
        r.proto.restoreFields.call(r.o, r.values);
        break;
    }
  }
  for (const { table, entries } of token.tables) {
    for (const key of token.instances) table.delete(key);
    if (table instanceof WeakMap) for (const [key, value] of entries) table.set(key, value);
    else for (const [key] of entries) table.add(key);
  }
}
