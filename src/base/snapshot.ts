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
 * Restore compares before it writes and allocates nothing per object: an object, array, Map,
 * Set, buffer, class or side-table entry that still holds its recorded contents is left alone
 * (`snapshotStats` counts what was written). Two checks stand in for listing everything, each
 * with an exact slow path behind it:
 * - an object's enumerable keys are visited with `for…in` and must be the recorded ones in the
 *   recorded order; otherwise every recorded key is put back and the writable keys added since
 *   are deleted. A non-enumerable or symbol-keyed property added after a snapshot therefore
 *   survives a restore: the machine never adds one (`hiddenKeyChanges` lets a test check that);
 * - side tables journal the keys, among the instances the snapshot walked, set or deleted since
 *   the table was last synchronised with a token (taken or restored): restoring that token
 *   visits only the journal; restoring another checks every walked instance.
 *
 * What the walk cannot see, a class must show:
 * - native `#private` fields: the class implements `Snapshottable` (`snapshotFields` returns the
 *   values of its mutable private fields, `restoreFields` assigns the reassignable ones back);
 *   the walk calls each prototype's own pair, so a subclass lists only its own fields. Restore
 *   calls `snapshotFields` to compare and `restoreFields` only when a value differs;
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
  /** The values of this class's own mutable private fields, in a fixed order (not its base's); no side effects. */
  snapshotFields(): readonly unknown[];
  /**
   * Assigns back the fields `snapshotFields` listed (those never reassigned may be skipped).
   * Declared without a parameter (`restoreFields(): void`), it says no field is reassigned:
   * restore then never calls it (the walk still restores the fields' contents in place).
   */
  restoreFields(values: readonly unknown[]): void;
  /**
   * Optional write tracking. The stamp of this class's private state: it must change (to a
   * `nextSnapshotStamp()`) on every change of a field `snapshotFields` lists or of an object
   * those fields *own* — an array, Map, Set, plain object, buffer or instance of a class
   * declared `ownableClassOf`, reached from them through such objects only and from nothing
   * else — and be one of the listed fields, put back by `restoreFields`. A restore that finds the stamp it recorded skips the class's record
   * and those of the objects it owns. The walk checks ownership: an object also reached from
   * anywhere else, or owned by two classes, makes the class's records ordinary ones again.
   */
  snapshotStamp?(): number;
}

/** The last stamp handed out (process-wide: a stamp names one state of one object). */
let lastStamp = 0;

/** A fresh stamp, for a class with `snapshotStamp` to take on each change of its state. */
export function nextSnapshotStamp(): number {
  return ++lastStamp;
}

/** An opaque snapshot of a machine: pass it back to `restore`. */
export interface SnapshotToken {
  readonly objects: number;
}

/** Cumulative counts of what restores did, process-wide (tests take differences, as `memoStats`). */
export interface SnapshotStats {
  readonly restores: number;
  /**
   * Slots written back: object properties (set or deleted), array lengths and elements, Map/Set
   * entries set, added or deleted (a rebuild counts the entries cleared and re-added), buffers
   * copied, `restoreFields` calls, side-table entries set or deleted.
   */
  readonly writes: number;
  /** Records whose contents differed from the snapshot, each counted once per restore. */
  readonly changed: number;
  /** Records that took a slow path: objects with keys added, Maps/Sets rebuilt, tables checked against every instance. */
  readonly slow: number;
  /** Records skipped because their class's stamp was the recorded one (`Snapshottable.snapshotStamp`). */
  readonly stamped: number;
}

const stats = { restores: 0, writes: 0, changed: 0, slow: 0, stamped: 0 };

/** What every restore so far wrote (a copy). */
export function snapshotStats(): SnapshotStats {
  return { ...stats };
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

type Table = WeakMap<object, unknown> | WeakSet<object>;

/**
 * The keys a table had set or deleted since it was last synchronised with a token (the token
 * last taken or restored over it), among the instances that token walked: restoring that token
 * looks at these keys only. The journal holds the token weakly and notes only keys the token
 * holds anyway, so it keeps nothing alive: once the token is collected it forgets its keys.
 */
class Journal {
  readonly keys = new Set<object>();
  /** Not machine state (the snapshot module's own bookkeeping), so a plain field. */
  private synced: WeakRef<Token> | undefined;
  /** Whether the keys are those changed since `token` was taken or restored. */
  isSyncedWith(token: Token): boolean {
    return this.synced?.deref() === token;
  }
  sync(token: Token): void {
    if (this.keys.size > 0) this.keys.clear();
    if (this.synced?.deref() !== token) {
      this.synced = new WeakRef(token);
      forgetWhenCollected.register(token, this);
    }
  }
  /** Forgets the keys once the token they were noted for is gone. */
  forgetIfOrphaned(): void {
    if (this.synced === undefined || this.synced.deref() !== undefined) return;
    this.keys.clear();
    this.synced = undefined;
  }
  note(key: object): void {
    const token = this.synced?.deref();
    if (token === undefined) this.forgetIfOrphaned();
    else if (token.instanceSet.has(key)) this.keys.add(key);
  }
}

/** A collected token's journals forget their keys (which were its machine's objects). */
const forgetWhenCollected = new FinalizationRegistry<Journal>((journal) => journal.forgetIfOrphaned());

const journals = new WeakMap<Table, Journal>();
const weakMapSet = WeakMap.prototype.set;
const weakMapDelete = WeakMap.prototype.delete;
const weakSetAdd = WeakSet.prototype.add;
const weakSetDelete = WeakSet.prototype.delete;

/**
 * The journal of `table`, installed on first use: the table's own `set`/`add` and `delete`
 * note the key, then do what WeakMap's/WeakSet's do. Every change the machine makes to a table
 * goes through these methods, which is what makes visiting only the journal exact.
 */
function journalOf(table: Table): Journal {
  let j = journals.get(table);
  if (j !== undefined) return j;
  const journal = new Journal();
  j = journal;
  journals.set(table, journal);
  const hidden = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });
  if (table instanceof WeakMap) {
    Object.defineProperty(
      table,
      'set',
      hidden(function (this: WeakMap<object, unknown>, key: object, value: unknown) {
        journal.note(key);
        return weakMapSet.call(this, key, value);
      }),
    );
    Object.defineProperty(
      table,
      'delete',
      hidden(function (this: WeakMap<object, unknown>, key: object) {
        journal.note(key);
        return weakMapDelete.call(this, key);
      }),
    );
  } else {
    Object.defineProperty(
      table,
      'add',
      hidden(function (this: WeakSet<object>, key: object) {
        journal.note(key);
        return weakSetAdd.call(this, key);
      }),
    );
    Object.defineProperty(
      table,
      'delete',
      hidden(function (this: WeakSet<object>, key: object) {
        journal.note(key);
        return weakSetDelete.call(this, key);
      }),
    );
  }
  return j;
}

/** Differs as SameValue does (NaN equals NaN, 0 differs from -0), at the cost of `!==`. */
function differs(a: unknown, b: unknown): boolean {
  if (a !== b) return a === a || b === b;
  return a === 0 && 1 / (a as number) !== 1 / (b as number);
}

/**
 * An object's writable own data properties: `keys` in `for…in` order (its enumerable string
 * keys), then `hiddenKeys` (non-enumerable or symbol-keyed), with their values.
 */
class ObjectRec {
  constructor(
    readonly o: Record<PropertyKey, unknown>,
    readonly keys: readonly string[],
    readonly values: readonly unknown[],
    readonly hiddenKeys: readonly PropertyKey[],
    readonly hiddenValues: readonly unknown[],
    /**
     * `for…in` visited exactly `keys` at snapshot (nothing inherited, read-only or an accessor):
     * then the same visit finding the same keys proves no enumerable key was added or deleted.
     */
    readonly exact: boolean,
    /** `Object.keys(o).length` at snapshot. */
    readonly enumerable: number,
    /** How many own keys were non-enumerable or symbols at snapshot. */
    readonly hidden: number,
  ) {}
}

class ArrayRec {
  constructor(
    readonly o: unknown[],
    readonly values: readonly unknown[],
  ) {}
}

/** A Map (`values` = key, value, key, value…) or a Set (`values` = its elements), in order. */
class CollectionRec<C extends Map<unknown, unknown> | Set<unknown>> {
  constructor(
    readonly o: C,
    readonly values: readonly unknown[],
  ) {}
}

class BufferRec {
  readonly bytes: Uint8Array;
  readonly view: Uint8Array;
  /** Word views of `bytes` and of the buffer, when its length allows: the comparison reads words. */
  readonly saved32: Int32Array | undefined;
  readonly now32: Int32Array | undefined;
  constructor(readonly o: ArrayBuffer) {
    this.bytes = new Uint8Array(o.slice(0));
    this.view = new Uint8Array(o);
    const words = o.byteLength % 4 === 0;
    this.saved32 = words ? new Int32Array(this.bytes.buffer) : undefined;
    this.now32 = words ? new Int32Array(o) : undefined;
  }
}

class PrivateRec {
  constructor(
    readonly o: object,
    readonly proto: Snapshottable,
    readonly values: readonly unknown[],
  ) {}
}

class TableRec {
  constructor(
    readonly table: Table,
    readonly journal: Journal,
    /** Key → value (true for a WeakSet) of the entries keyed by walked instances. */
    readonly entries: ReadonlyMap<object, unknown>,
  ) {}
}

/** The records of one part of a snapshot, by kind. */
class RecordSet {
  readonly objectRecs: ObjectRec[] = [];
  readonly arrays: ArrayRec[] = [];
  readonly maps: CollectionRec<Map<unknown, unknown>>[] = [];
  readonly sets: CollectionRec<Set<unknown>>[] = [];
  readonly buffers: BufferRec[] = [];
  readonly privates: PrivateRec[] = [];

  get size(): number {
    return this.objectRecs.length + this.arrays.length + this.maps.length + this.sets.length + this.buffers.length + this.privates.length;
  }

  addAll(other: RecordSet): void {
    this.objectRecs.push(...other.objectRecs);
    this.arrays.push(...other.arrays);
    this.maps.push(...other.maps);
    this.sets.push(...other.sets);
    this.buffers.push(...other.buffers);
    this.privates.push(...other.privates);
  }
}

type Stamped = Snapshottable & { snapshotStamp(): number };

/**
 * A class instance with write tracking (`snapshotStamp`) and the records of what it owns: while
 * its stamp is the recorded one, none of them can differ from its recording.
 */
class StampedGroup {
  readonly recs = new RecordSet();
  /** Reached from elsewhere too, or owned by two classes: its records are ordinary ones. */
  shared = false;
  constructor(
    readonly o: object,
    readonly proto: Stamped,
    readonly stamp: number,
    /** The owner's field values, still to walk as owned. */
    readonly stack: unknown[],
  ) {}
}

/**
 * The records restore walks on every restore, laid out flat (one array per kind, the records'
 * slots side by side) so that a restore is a few monomorphic loops over contiguous memory
 * instead of one call per record: `…Start[r]` to `…Start[r + 1]` are record r's slots.
 */
class FlatRecords {
  /** Objects whose `for…in` visits exactly their own writable keys and which have no hidden key. */
  readonly objs: Record<string, unknown>[] = [];
  readonly objRecs: ObjectRec[] = [];
  readonly objStart: Int32Array;
  readonly objKeys: string[] = [];
  readonly objVals: unknown[] = [];
  /** Arrays recorded without holes. */
  readonly arrs: unknown[][] = [];
  readonly arrStart: Int32Array;
  readonly arrVals: unknown[] = [];
  /** The other objects and arrays, restored one by one. */
  readonly otherObjs: ObjectRec[] = [];
  readonly otherArrs: ArrayRec[] = [];

  constructor(objectRecs: readonly ObjectRec[], arrays: readonly ArrayRec[]) {
    const objStart = [0];
    for (const r of objectRecs) {
      if (!r.exact || r.hidden !== 0) {
        this.otherObjs.push(r);
        continue;
      }
      this.objs.push(r.o as Record<string, unknown>);
      this.objRecs.push(r);
      for (let i = 0; i < r.keys.length; i++) {
        this.objKeys.push(r.keys[i]!);
        this.objVals.push(r.values[i]);
      }
      objStart.push(this.objKeys.length);
    }
    this.objStart = Int32Array.from(objStart);
    const arrStart = [0];
    for (const r of arrays) {
      let holes = false;
      for (let i = 0; i < r.values.length; i++) if (!(i in r.values)) holes = true;
      if (holes) {
        this.otherArrs.push(r);
        continue;
      }
      this.arrs.push(r.o);
      for (const v of r.values) this.arrVals.push(v);
      arrStart.push(this.arrVals.length);
    }
    this.arrStart = Int32Array.from(arrStart);
  }
}

class Token implements SnapshotToken {
  tables: readonly TableRec[] = [];
  /** The records compared on every restore (objects and arrays laid out flat). */
  readonly flat: FlatRecords;
  readonly maps: readonly CollectionRec<Map<unknown, unknown>>[];
  readonly sets: readonly CollectionRec<Set<unknown>>[];
  readonly buffers: readonly BufferRec[];
  readonly privates: readonly PrivateRec[];
  constructor(
    /** Every record outside the groups. */
    readonly ordinary: RecordSet,
    /** The stamped classes and what they own. */
    readonly groups: readonly StampedGroup[],
    /** The class instances walked: candidate keys of side tables. */
    readonly instances: readonly object[],
    readonly instanceSet: ReadonlySet<object>,
  ) {
    this.flat = new FlatRecords(ordinary.objectRecs, ordinary.arrays);
    this.maps = ordinary.maps;
    this.sets = ordinary.sets;
    this.buffers = ordinary.buffers;
    this.privates = ordinary.privates;
  }
  /** Every record set: the ordinary one, then each group's. */
  get recordSets(): RecordSet[] {
    return [this.ordinary, ...this.groups.map((g) => g.recs)];
  }
  get objectRecs(): ObjectRec[] {
    return this.recordSets.flatMap((r) => r.objectRecs);
  }
  get objects(): number {
    return this.recordSets.reduce((n, r) => n + r.size, 0);
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

function tag(v: object): string {
  return Object.prototype.toString.call(v);
}

/**
 * Whether `v` can be owned by a stamped class: a mutable array, Map, Set, buffer or plain
 * object, or an instance of a class declared with `ownableClassOf` (the ordinary walk runs
 * first, so an object an ordinary one refers to is never owned).
 */
function ownable(v: object, proto: object | null): boolean {
  if (Object.isFrozen(v) || opaqueObjects.has(v)) return false;
  if (proto === Object.prototype || proto === null || Array.isArray(v) || v instanceof Map || v instanceof Set) return true;
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return true;
  return ownablePrototypes.has(proto);
}

const ownablePrototypes = new WeakSet<object>();

/**
 * Declares the class of `sample` (its prototype) plain data that a stamped class may own: its
 * instances have no private state, and each changes only through the methods of the stamped
 * class that holds it (a library's internal records, as eventemitter3's listener table).
 */
export function ownableClassOf(sample: object): void {
  const proto = Object.getPrototypeOf(sample) as object | null;
  if (proto !== null && proto !== Object.prototype) ownablePrototypes.add(proto);
}

/**
 * Walks the graph from `roots` and records every mutable object's contents. The objects a
 * stamped class owns are recorded in its group; the walk from the other objects is the
 * ordinary one, and an object it reaches that a group had taken makes that group ordinary.
 */
export function takeSnapshot(roots: readonly unknown[]): SnapshotToken {
  /** Every object met: null if ordinary, else the group that owns it. */
  const seen = new Map<object, StampedGroup | null>();
  const ordinary = new RecordSet();
  const groups: StampedGroup[] = [];
  const instances: object[] = [];
  const tables = new Set<Table>(moduleTables);
  const stack: unknown[] = [...roots];
  const walk = (from: unknown[], owner: StampedGroup | null): void => {
    const push = (v: unknown): void => {
      if ((typeof v === 'object' && v !== null) || typeof v === 'function') from.push(v);
    };
    while (from.length > 0) {
      const v = from.pop();
      if (typeof v !== 'object' || v === null) continue;
      const met = seen.get(v);
      if (met !== undefined) {
        // Met twice: an owned object is owned no more (an ordinary object stays ordinary).
        if (met !== null && met !== owner) {
          met.shared = true;
          if (owner !== null) owner.shared = true;
        }
        continue;
      }
      const proto = Object.getPrototypeOf(v) as object | null;
      if (owner !== null && !ownable(v, proto)) {
        // A class instance (or frozen or opaque data) is never owned: the ordinary walk takes it.
        stack.push(v);
        continue;
      }
      seen.set(v, owner);
      const recs = owner === null ? ordinary : owner.recs;
      if (opaqueObjects.has(v)) continue;
      if (proto !== null && opaquePrototypes.has(proto)) continue;
      if (Array.isArray(v)) {
        if (!Object.isFrozen(v)) recs.arrays.push(new ArrayRec(v, v.slice()));
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
        recs.maps.push(new CollectionRec(v, values));
        continue;
      }
      if (v instanceof Set) {
        const values = [...v];
        values.forEach(push);
        recs.sets.push(new CollectionRec(v, values));
        continue;
      }
      if (v instanceof ArrayBuffer) {
        recs.buffers.push(new BufferRec(v));
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
        const keys: string[] = [];
        const values: unknown[] = [];
        const hiddenKeys: PropertyKey[] = [];
        const hiddenValues: unknown[] = [];
        const own = Reflect.ownKeys(v);
        const enumerableOwn = new Set(Object.keys(v));
        for (const key of own) {
          const d = Object.getOwnPropertyDescriptor(v, key)!;
          if (!('value' in d)) continue;
          push(d.value);
          if (d.writable !== true) continue;
          if (typeof key === 'string' && enumerableOwn.has(key)) {
            keys.push(key);
            values.push(d.value);
          } else {
            hiddenKeys.push(key);
            hiddenValues.push(d.value);
          }
        }
        const visited: string[] = [];
        for (const key in v) visited.push(key);
        const exact = visited.length === keys.length && visited.every((k, i) => k === keys[i]);
        recs.objectRecs.push(
          new ObjectRec(
            v as Record<PropertyKey, unknown>,
            keys,
            values,
            hiddenKeys,
            hiddenValues,
            exact,
            enumerableOwn.size,
            own.length - enumerableOwn.size,
          ),
        );
      } else {
        for (const key of Reflect.ownKeys(v)) push((v as Record<PropertyKey, unknown>)[key]);
      }
      // Private fields, each prototype level its own.
      for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
        if (hasOwn.call(p, 'snapshotFields') && hasOwn.call(p, 'restoreFields')) {
          const sp = p as Snapshottable;
          const values = sp.snapshotFields.call(v);
          const record = new PrivateRec(v, sp, [...values]);
          if (hasOwn.call(p, 'snapshotStamp')) {
            if (sp.restoreFields.length === 0) throw new BugIndicatingError('snapshot: a stamped class must put its stamp back in restoreFields');
            const group = new StampedGroup(v, sp as Stamped, (sp as Stamped).snapshotStamp.call(v), [...values]);
            group.recs.privates.push(record);
            groups.push(group);
            continue;
          }
          values.forEach(push);
          // A `restoreFields` that declares no parameter has nothing to assign back.
          if (sp.restoreFields.length > 0) recs.privates.push(record);
        }
      }
    }
  };
  /** Walks until nothing is left: the ordinary walk, then what each group owns (which may hand class instances back). */
  const drain = (): void => {
    for (;;) {
      walk(stack, null);
      let more = false;
      for (const g of groups)
        if (g.stack.length > 0) {
          walk(g.stack, g);
          more = true;
        }
      if (!more && stack.length === 0) return;
    }
  };
  drain();
  // Side tables: entries keyed by walked instances; their values are part of the state too.
  let entriesOf = new Map<Table, Map<object, unknown>>();
  for (;;) {
    const pending = [...tables].filter((t) => !entriesOf.has(t));
    if (pending.length === 0) break;
    for (const table of pending) {
      const entries = new Map<object, unknown>();
      for (const key of instances) {
        if (!table.has(key)) continue;
        const value = table instanceof WeakMap ? table.get(key) : true;
        entries.set(key, value);
        if ((typeof value === 'object' && value !== null) || typeof value === 'function') stack.push(value);
      }
      entriesOf.set(table, entries);
    }
    const before = instances.length;
    drain();
    // New instances reached through table values: look them up in every table again.
    if (instances.length !== before) entriesOf = new Map();
  }
  // A group whose objects are reached from elsewhere is recorded as ordinary objects are.
  const kept: StampedGroup[] = [];
  for (const g of groups) {
    if (g.shared) ordinary.addAll(g.recs);
    else kept.push(g);
  }
  const token = new Token(ordinary, kept, instances, new Set(instances));
  token.tables = [...entriesOf].map(([table, entries]) => {
    const journal = journalOf(table);
    journal.sync(token);
    return new TableRec(table, journal, entries);
  });
  return token;
}

/**
 * The walked objects that gained or lost a non-enumerable or symbol-keyed own property since
 * `token` was taken: a restore would not see such a change (module comment). For tests.
 */
export function hiddenKeyChanges(token: SnapshotToken): object[] {
  if (!(token instanceof Token)) throw new BugIndicatingError('hiddenKeyChanges: not a snapshot token');
  return token.objectRecs.filter((r) => Reflect.ownKeys(r.o).length - Object.keys(r.o).length !== r.hidden).map((r) => r.o);
}

/** How far the objects `token` recorded are from it now, counted the obvious way (for tests). */
export interface SnapshotDiff {
  /** Records whose contents differ (a side table counts as one). */
  readonly records: number;
  /** An upper bound of the writes restoring them takes: recorded plus current size of each. */
  readonly slots: number;
  /**
   * Records that differ although their class's stamp is the recorded one: a restore would skip
   * them wrongly (a class that changed what it owns without taking a new stamp). Always 0.
   */
  readonly staleStamped: number;
}

/** Compares every record of `token` with its object, without writing (for tests of restore's work). */
export function snapshotDiff(token: SnapshotToken): SnapshotDiff {
  if (!(token instanceof Token)) throw new BugIndicatingError('snapshotDiff: not a snapshot token');
  let records = 0;
  let slots = 0;
  let staleStamped = 0;
  for (const set of token.recordSets) {
    const d = diffRecords(set);
    records += d.records;
    slots += d.slots;
  }
  for (const g of token.groups) if (g.proto.snapshotStamp.call(g.o) === g.stamp) staleStamped += diffRecords(g.recs).records;
  for (const r of token.tables) {
    const table = r.table;
    const wrong = token.instances.filter((key) =>
      r.entries.has(key) ? !table.has(key) || (table instanceof WeakMap && differs(table.get(key), r.entries.get(key))) : table.has(key),
    ).length;
    if (wrong > 0) {
      records++;
      slots += wrong;
    }
  }
  return { records, slots, staleStamped };
}

/** The records of `set` that differ from their objects, and the bound of their writes. */
function diffRecords(set: RecordSet): { records: number; slots: number } {
  let records = 0;
  let slots = 0;
  const count = (differ: boolean, size: number): void => {
    if (!differ) return;
    records++;
    slots += size;
  };
  const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((v, i) => !differs(v, b[i]));
  for (const r of set.objectRecs) {
    const keys = [...r.keys, ...r.hiddenKeys];
    const values = [...r.values, ...r.hiddenValues];
    const writable = Reflect.ownKeys(r.o).filter((k) => Object.getOwnPropertyDescriptor(r.o, k)?.writable === true);
    const differ = writable.length !== keys.length || keys.some((k, i) => !hasOwn.call(r.o, k) || differs(r.o[k], values[i]));
    count(differ, keys.length + writable.length);
  }
  for (const r of set.arrays) count(!sameList(r.o, r.values) || r.values.some((_, i) => i in r.o !== i in r.values), 1 + r.values.length);
  for (const r of set.maps) count(!sameList([...r.o].flat(), r.values), r.values.length / 2 + r.o.size);
  for (const r of set.sets) count(!sameList([...r.o], r.values), r.values.length + r.o.size);
  for (const r of set.buffers)
    count(
      r.view.some((b, i) => b !== r.bytes[i]),
      1,
    );
  for (const r of set.privates) count(!sameList(r.proto.snapshotFields.call(r.o), r.values), 1);
  return { records, slots };
}

/** Puts every object a snapshot recorded back to its recorded contents (any number of times). */
export function restoreSnapshot(token: SnapshotToken): void {
  if (!(token instanceof Token)) throw new BugIndicatingError('restore: not a snapshot token');
  stats.restores++;
  const flat = token.flat;
  restoreFlatObjects(flat);
  for (const r of flat.otherObjs) countWrites(restoreObject(r));
  restoreFlatArrays(flat);
  for (const r of flat.otherArrs) restoreArray(r);
  for (const r of token.maps) restoreMap(r);
  for (const r of token.sets) restoreSet(r);
  for (const r of token.buffers) restoreBuffer(r);
  for (const r of token.privates) restorePrivate(r);
  for (const g of token.groups) {
    // The recorded stamp proves that nothing the class owns changed (Snapshottable.snapshotStamp).
    if (g.proto.snapshotStamp.call(g.o) === g.stamp) stats.stamped += g.recs.size;
    else restoreRecords(g.recs);
  }
  for (const r of token.tables) restoreTable(r, token);
}

/** Restores every record of `set`, one by one. */
function restoreRecords(set: RecordSet): void {
  for (const r of set.objectRecs) countWrites(restoreObject(r));
  for (const r of set.arrays) restoreArray(r);
  for (const r of set.maps) restoreMap(r);
  for (const r of set.sets) restoreSet(r);
  for (const r of set.buffers) restoreBuffer(r);
  for (const r of set.privates) restorePrivate(r);
}

/** Counts one changed record that took `writes` writes (none: unchanged). */
function countWrites(writes: number): void {
  if (writes > 0) {
    stats.changed++;
    stats.writes += writes;
  }
}

/**
 * The objects of the flat layout: `for…in` must visit the recorded keys in the recorded order
 * (the keyed access of a `for…in` key is a field load), each value is compared and written only
 * if it differs. Any other visit takes the one-by-one path of `restoreObject`.
 */
function restoreFlatObjects(flat: FlatRecords): void {
  const { objs, objStart, objKeys, objVals } = flat;
  let changed = 0;
  let writes = 0;
  for (let r = 0; r < objs.length; r++) {
    const o = objs[r]!;
    let j = objStart[r]!;
    const end = objStart[r + 1]!;
    let w = 0;
    let same = true;
    for (const k in o) {
      if (j === end || k !== objKeys[j]) {
        same = false;
        break;
      }
      const v = objVals[j++];
      if (differs(o[k], v)) {
        o[k] = v;
        w++;
      }
    }
    if (!same || j !== end) w += restoreObject(flat.objRecs[r]!);
    if (w > 0) {
      changed++;
      writes += w;
    }
  }
  stats.changed += changed;
  stats.writes += writes;
}

/** The arrays of the flat layout (recorded without holes): length, then each element. */
function restoreFlatArrays(flat: FlatRecords): void {
  const { arrs, arrStart, arrVals } = flat;
  let changed = 0;
  let writes = 0;
  for (let r = 0; r < arrs.length; r++) {
    const a = arrs[r]!;
    const s = arrStart[r]!;
    const n = arrStart[r + 1]! - s;
    let w = 0;
    if (a.length !== n) {
      a.length = n;
      w++;
    }
    for (let i = 0; i < n; i++) {
      const v = arrVals[s + i];
      if (differs(a[i], v)) {
        a[i] = v;
        w++;
      } else if (v === undefined && !(i in a)) {
        // A hole where an undefined element was recorded.
        a[i] = v;
        w++;
      }
    }
    if (w > 0) {
      changed++;
      writes += w;
    }
  }
  stats.changed += changed;
  stats.writes += writes;
}

/** Restores one object record; returns the writes (the caller counts them). */
function restoreObject(r: ObjectRec): number {
  const { o, keys, values } = r;
  let writes = 0;
  let same = r.exact;
  if (same) {
    // The keyed access of a `for…in` key is a field load (no lookup): the cheap common case.
    let i = 0;
    const n = keys.length;
    for (const k in o) {
      if (i === n || k !== keys[i]) {
        same = false;
        break;
      }
      const v = values[i++];
      if (differs(o[k], v)) {
        o[k] = v;
        writes++;
      }
    }
    if (i !== n) same = false;
  }
  if (same) writes += restoreKeys(o, r.hiddenKeys, r.hiddenValues);
  else {
    // A key was added, deleted or reordered, or `for…in` sees more than own fields: every
    // recorded key goes back, then keys added since go.
    writes += restoreKeys(o, keys, values) + restoreKeys(o, r.hiddenKeys, r.hiddenValues);
    if (Object.keys(o).length !== r.enumerable) {
      stats.slow++;
      for (const key of Reflect.ownKeys(o))
        if (!keys.includes(key as string) && !r.hiddenKeys.includes(key) && Object.getOwnPropertyDescriptor(o, key)?.writable === true) {
          Reflect.deleteProperty(o, key);
          writes++;
        }
    }
    // A key deleted since came back last: put the enumerable keys back in their recorded order.
    if (r.exact && !inOrder(o, keys))
      for (const key of keys) {
        const v = o[key];
        Reflect.deleteProperty(o, key);
        o[key] = v;
        writes++;
      }
  }
  return writes;
}

/** Whether `for…in` visits exactly `keys`, in order. */
function inOrder(o: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) if (i === keys.length || k !== keys[i++]) return false;
  return i === keys.length;
}

/** Puts back `keys`' values where they differ (a property deleted since is added back); returns the writes. */
function restoreKeys(o: Record<PropertyKey, unknown>, keys: readonly PropertyKey[], values: readonly unknown[]): number {
  let writes = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = values[i];
    // An own property deleted since reads as undefined: `hasOwn` tells it from an undefined value.
    if (differs(o[k], v) || (v === undefined && !hasOwn.call(o, k))) {
      o[k] = v;
      writes++;
    }
  }
  return writes;
}

function restoreArray(r: ArrayRec): void {
  const { o, values } = r;
  const n = values.length;
  let writes = 0;
  if (o.length !== n) {
    o.length = n;
    writes++;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (differs(o[i], v)) {
      o[i] = v;
      writes++;
    } else if (v === undefined && i in o !== i in values) {
      // A hole (as `new Array(n)` leaves) and an undefined element are told apart.
      if (i in values) o[i] = v;
      else delete o[i];
      writes++;
    }
  }
  if (writes > 0) {
    stats.changed++;
    stats.writes += writes;
  }
}

// The comparison pass over a Map or Set (`forEach`, which allocates nothing per entry): its state.
const NONE: readonly unknown[] = [];
let cmpValues = NONE;
let cmpIndex = 0;
let cmpEnd = 0;
let cmpStride = 1;
/** 0: the same so far; 1: a Map value differs; 2: a key differs at its position (rebuild). */
let cmpState = 0;
let cmpCollection: Map<unknown, unknown> | Set<unknown> | undefined;
let cmpDeleted = 0;

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/**
 * One entry of the collection, in iteration order, against the recorded one at its position.
 * An entry past the recorded ones follows a prefix equal to the recorded keys: it was added
 * since, and goes (deleting the current entry is safe during `forEach`).
 */
function compareEntry(value: unknown, key: unknown): void {
  if (cmpState === 2) return;
  const i = cmpIndex;
  cmpIndex = i + cmpStride;
  if (i >= cmpEnd) {
    cmpCollection!.delete(key);
    cmpDeleted++;
    return;
  }
  if (!sameKey(key, cmpValues[i])) cmpState = 2;
  else if (cmpStride === 2 && differs(value, cmpValues[i + 1])) cmpState = 1;
}

/** The truncation pass of a rebuild: entries from position `cmpEnd` on go. */
function truncateEntry(_value: unknown, key: unknown): void {
  if (cmpIndex++ >= cmpEnd) cmpCollection!.delete(key);
}

/**
 * The rebuild of a collection whose key at `first` (a position in `values`, counted in entries
 * times the stride) differs: the entries before it hold the recorded keys in order and stay (a
 * Map's values are fixed by the caller); every entry from there on is deleted and the recorded
 * ones appended. Never `clear()`: V8 keeps a cleared or shrunk table of an old-generation Map or
 * Set alive with the entries it held until the next full collection, so a collection cleared
 * once per schedule promotes everything it ever held (docs/snapshot.md).
 */
function rebuildFrom(o: Map<unknown, unknown> | Set<unknown>, first: number, stride: number): number {
  const before = o.size;
  cmpCollection = o;
  cmpIndex = 0;
  cmpEnd = first / stride;
  o.forEach(truncateEntry);
  cmpCollection = undefined;
  return before - o.size;
}

/** Compares `o` with `values` (deleting entries appended since); returns 0, 1 or 2 as `cmpState`. */
function compareCollection(o: Map<unknown, unknown> | Set<unknown>, values: readonly unknown[], stride: number): number {
  cmpValues = values;
  cmpIndex = 0;
  cmpEnd = values.length;
  cmpStride = stride;
  cmpState = 0;
  cmpCollection = o;
  cmpDeleted = 0;
  o.forEach(compareEntry);
  cmpValues = NONE;
  cmpCollection = undefined;
  return cmpState;
}

function restoreMap(r: CollectionRec<Map<unknown, unknown>>): void {
  const { o, values } = r;
  const state = compareCollection(o, values, 2);
  let writes = cmpDeleted;
  if (state === 2) {
    stats.slow++;
    const first = cmpIndex - 2;
    writes += rebuildFrom(o, first, 2);
    for (let i = 0; i < first; i += 2)
      if (differs(o.get(values[i]), values[i + 1])) {
        o.set(values[i], values[i + 1]);
        writes++;
      }
    for (let i = first; i < values.length; i += 2) o.set(values[i], values[i + 1]);
    writes += (values.length - first) / 2;
  } else {
    // The current keys are a prefix of the recorded ones: fix values in place, append the rest.
    const present = o.size * 2;
    if (state === 1)
      for (let i = 0; i < present; i += 2)
        if (differs(o.get(values[i]), values[i + 1])) {
          o.set(values[i], values[i + 1]);
          writes++;
        }
    for (let i = present; i < values.length; i += 2) {
      o.set(values[i], values[i + 1]);
      writes++;
    }
  }
  if (writes > 0) {
    stats.changed++;
    stats.writes += writes;
  }
}

function restoreSet(r: CollectionRec<Set<unknown>>): void {
  const { o, values } = r;
  const state = compareCollection(o, values, 1);
  let writes = cmpDeleted;
  if (state === 2) {
    stats.slow++;
    const first = cmpIndex - 1;
    writes += rebuildFrom(o, first, 1);
    for (let i = first; i < values.length; i++) o.add(values[i]);
    writes += values.length - first;
  } else {
    for (let i = o.size; i < values.length; i++) {
      o.add(values[i]);
      writes++;
    }
  }
  if (writes > 0) {
    stats.changed++;
    stats.writes += writes;
  }
}

function restoreBuffer(r: BufferRec): void {
  let same = true;
  const now = r.now32;
  const saved = r.saved32;
  if (now !== undefined && saved !== undefined) {
    for (let i = 0; i < now.length; i++)
      if (now[i] !== saved[i]) {
        same = false;
        break;
      }
  } else {
    const view = r.view;
    const bytes = r.bytes;
    for (let i = 0; i < view.length; i++)
      if (view[i] !== bytes[i]) {
        same = false;
        break;
      }
  }
  if (same) return;
  r.view.set(r.bytes);
  stats.changed++;
  stats.writes++;
}

function restorePrivate(r: PrivateRec): void {
  const now = r.proto.snapshotFields.call(r.o);
  const values = r.values;
  for (let i = 0; i < values.length; i++)
    if (differs(now[i], values[i])) {
      r.proto.restoreFields.call(r.o, values);
      stats.changed++;
      stats.writes++;
      return;
    }
}

function restoreTable(r: TableRec, token: Token): void {
  const { table, journal, entries } = r;
  let writes = 0;
  if (journal.isSyncedWith(token)) {
    // Keys of objects the snapshot did not walk (another machine's, or created since and
    // unreachable once restored) are not in the journal: left alone.
    if (journal.keys.size > 0) for (const key of journal.keys) writes += restoreEntry(table, entries, key);
  } else {
    stats.slow++;
    for (const key of token.instances) writes += restoreEntry(table, entries, key);
  }
  journal.sync(token);
  if (writes > 0) {
    stats.changed++;
    stats.writes += writes;
  }
}

/** Puts `key`'s entry in `table` back as `entries` has it (or deletes it); returns the writes. */
function restoreEntry(table: Table, entries: ReadonlyMap<object, unknown>, key: object): number {
  if (entries.has(key)) {
    const value = entries.get(key);
    if (table instanceof WeakMap) {
      if (table.has(key) && !differs(table.get(key), value)) return 0;
      weakMapSet.call(table, key, value);
      return 1;
    }
    if (table.has(key)) return 0;
    weakSetAdd.call(table, key);
    return 1;
  }
  if (!table.has(key)) return 0;
  (table instanceof WeakMap ? weakMapDelete : weakSetDelete).call(table, key);
  return 1;
}
