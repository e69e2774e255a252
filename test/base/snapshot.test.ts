/**
 * The in-place snapshot walk (src/base/snapshot.ts, docs/snapshot.md) on small graphs: restore
 * puts every recorded object back, writes nothing when nothing changed and only what changed
 * otherwise (counted by `snapshotStats`, bounded by `snapshotDiff`), and the side-table journal
 * gives the same tables as checking every instance, across random set/delete runs, several
 * tokens and a second graph sharing the tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Snapshottable, hiddenKeyChanges, restoreSnapshot, snapshotDiff, snapshotStats, takeSnapshot } from '../../src/base/index.js';

class Node implements Snapshottable {
  #count = 0;
  readonly #items: string[] = [];
  label = 'n';
  extra: unknown = undefined;
  constructor(readonly id: number) {}
  bump(): void {
    this.#count++;
    this.#items.push(`i${this.#count}`);
  }
  get count(): number {
    return this.#count;
  }
  get items(): readonly string[] {
    return this.#items;
  }
  snapshotFields(): readonly unknown[] {
    return [this.#count, this.#items];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#count = v[0] as number;
  }
}

/** Sealed in its own shape: a class with no reassignable private field (`restoreFields()` takes nothing). */
class Holder implements Snapshottable {
  readonly #list: number[] = [1, 2];
  get list(): number[] {
    return this.#list;
  }
  snapshotFields(): readonly unknown[] {
    return [this.#list];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}

interface Graph {
  nodes: Node[];
  byName: Map<string, Node>;
  tags: Set<string>;
  plain: Record<string, unknown>;
  bytes: Uint8Array;
  holder: Holder;
  pm: WeakMap<Node, { usage: number }>;
  flags: WeakSet<Node>;
}

function graph(): Graph {
  const nodes = [new Node(0), new Node(1), new Node(2)];
  return {
    nodes,
    byName: new Map(nodes.map((n) => [`n${n.id}`, n])),
    tags: new Set(['a', 'b']),
    plain: { x: 1, y: undefined, z: 'z' },
    bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    holder: new Holder(),
    pm: new WeakMap([[nodes[0]!, { usage: 1 }]]),
    flags: new WeakSet([nodes[1]!]),
  };
}

/** Everything observable of `g` (order included), as plain data. */
function observe(g: Graph): unknown {
  return {
    nodes: g.nodes.map((n) => ({ id: n.id, label: n.label, extra: n.extra, count: n.count, items: [...n.items], keys: Object.keys(n) })),
    byName: [...g.byName].map(([k, v]) => [k, v.id]),
    tags: [...g.tags],
    plain: Object.entries(g.plain),
    plainKeys: Reflect.ownKeys(g.plain),
    bytes: [...g.bytes],
    holder: [...g.holder.list],
    pm: g.nodes.map((n) => (g.pm.has(n) ? g.pm.get(n) : 'none')),
    flags: g.nodes.map((n) => g.flags.has(n)),
  };
}

/** Restores `token` and returns what it wrote and changed. */
function restore(token: ReturnType<typeof takeSnapshot>): { writes: number; changed: number } {
  const before = snapshotStats();
  restoreSnapshot(token);
  const after = snapshotStats();
  return { writes: after.writes - before.writes, changed: after.changed - before.changed };
}

describe('snapshot: restore in place', () => {
  it('should write nothing when nothing changed', () => {
    const g = graph();
    const token = takeSnapshot([g]);
    expect(snapshotDiff(token)).toEqual({ records: 0, slots: 0, staleStamped: 0 });
    expect(restore(token)).toEqual({ writes: 0, changed: 0 });
  });

  it('should put back every kind of change, writing only changed records, then nothing', () => {
    const g = graph();
    const token = takeSnapshot([g]);
    const want = observe(g);
    const extra = new Node(9);
    g.nodes.push(extra);
    g.nodes[0]!.label = 'changed';
    g.nodes[1]!.bump();
    g.byName.set('n9', extra);
    g.byName.set('n0', extra);
    g.tags.delete('a');
    g.tags.add('c');
    g.plain.w = 'added';
    delete g.plain.y;
    g.bytes[5] = 99;
    g.holder.list.push(3);
    g.pm.set(g.nodes[0]!, { usage: 2 });
    g.pm.set(g.nodes[2]!, { usage: 7 });
    g.flags.delete(g.nodes[1]!);
    g.flags.add(g.nodes[0]!);
    const diff = snapshotDiff(token);
    const done = restore(token);
    expect(observe(g)).toEqual(want);
    expect(done.changed).toBe(diff.records);
    expect(done.writes).toBeGreaterThanOrEqual(diff.records);
    expect(done.writes).toBeLessThanOrEqual(diff.slots);
    expect(restore(token)).toEqual({ writes: 0, changed: 0 });
  });

  it('should keep Map and Set order: values patched in place, appended entries dropped, a reorder rebuilt', () => {
    const m = new Map<string, number>([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    const s = new Set([1, 2, 3]);
    const token = takeSnapshot([m, s]);
    m.set('b', 20);
    m.set('d', 4);
    s.add(4);
    expect(restore(token)).toEqual({ writes: 3, changed: 2 });
    expect([...m]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect([...s]).toEqual([1, 2, 3]);
    m.delete('a');
    m.set('a', 1);
    s.delete(3);
    restoreSnapshot(token);
    expect([...m.keys()]).toEqual(['a', 'b', 'c']);
    expect([...s]).toEqual([1, 2, 3]);
  });

  it('should rebuild a reordered Map or Set from its first differing key, never clearing it (property)', () => {
    // A cleared or shrunk table of an old-generation Map/Set keeps what it held alive until the
    // next full collection (docs/snapshot.md): restore deletes from the first differing key on.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 9 }), value: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 9 })), fc.array(op, { maxLength: 12 }), (keys, ops) => {
        const m = new Map(keys.map((k) => [k, k % 3] as const));
        const s = new Set(keys);
        const token = takeSnapshot([m, s]);
        for (const o of ops)
          if (o.kind === 'set') {
            m.set(o.key, o.value);
            s.add(o.key);
          } else {
            m.delete(o.key);
            s.delete(o.key);
          }
        const clears = { map: 0, set: 0 };
        const mapClear = Map.prototype.clear;
        const setClear = Set.prototype.clear;
        Map.prototype.clear = function (this: Map<unknown, unknown>) {
          if (this === m) clears.map++;
          mapClear.call(this);
        };
        Set.prototype.clear = function (this: Set<unknown>) {
          if (this === s) clears.set++;
          setClear.call(this);
        };
        try {
          restoreSnapshot(token);
        } finally {
          Map.prototype.clear = mapClear;
          Set.prototype.clear = setClear;
        }
        expect(clears).toEqual({ map: 0, set: 0 });
        expect([...m]).toEqual(keys.map((k) => [k, k % 3]));
        expect([...s]).toEqual(keys);
        expect(restore(token).writes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('should tell 0 from -0, a hole from undefined, and keep NaN unchanged', () => {
    const o = { a: 0, b: NaN };
    // eslint-disable-next-line no-sparse-arrays
    const holes: unknown[] = [1, , undefined];
    const token = takeSnapshot([o, holes]);
    expect(restore(token).writes).toBe(0);
    o.a = -0;
    holes[1] = undefined;
    delete holes[2];
    expect(restore(token).writes).toBe(3);
    expect(Object.is(o.a, 0)).toBe(true);
    expect([1 in holes, 2 in holes]).toEqual([false, true]);
  });

  it('should report a non-enumerable property added after the snapshot, which restore leaves', () => {
    const g = graph();
    const token = takeSnapshot([g]);
    expect(hiddenKeyChanges(token)).toEqual([]);
    Object.defineProperty(g.plain, 'hidden', { value: 1, writable: true, enumerable: false, configurable: true });
    g.nodes[0]![Symbol.for('tag') as never] = 1 as never;
    const changed = hiddenKeyChanges(token);
    expect(changed).toHaveLength(2);
    expect(changed).toEqual(expect.arrayContaining([g.nodes[0], g.plain]));
    restoreSnapshot(token);
    expect(Object.getOwnPropertyDescriptor(g.plain, 'hidden')?.value).toBe(1);
  });
});

type Op =
  | { readonly op: 'set'; readonly node: number; readonly value: number }
  | { readonly op: 'delete'; readonly node: number }
  | { readonly op: 'flag'; readonly node: number }
  | { readonly op: 'unflag'; readonly node: number }
  | { readonly op: 'snapshot' }
  | { readonly op: 'restore'; readonly which: number };

const node = fc.integer({ min: 0, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), node, value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('delete' as const), node }),
  fc.record({ op: fc.constant('flag' as const), node }),
  fc.record({ op: fc.constant('unflag' as const), node }),
  fc.constant({ op: 'snapshot' as const }),
  fc.record({ op: fc.constant('restore' as const), which: fc.nat() }),
);

describe('snapshot: the side-table journal', () => {
  it('should restore tables exactly as at each token, and leave keys of objects outside the graph alone', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        // Two graphs share both tables (as two machines share a module's side table); only the
        // first is snapshotted. Nodes 0..2 are in it, 3..5 in the other.
        const table = new WeakMap<object, number>();
        const flags = new WeakSet<object>();
        const mine = [0, 1, 2].map((i) => new Node(i));
        const other = [3, 4, 5].map((i) => new Node(i));
        const all = [...mine, ...other];
        const roots = [{ mine, table, flags }];
        const state = (): string => JSON.stringify(all.map((n) => [table.has(n) ? table.get(n) : null, flags.has(n)]));
        const tokens: { token: ReturnType<typeof takeSnapshot>; state: string }[] = [];
        for (const o of ops) {
          const n = all[o.op === 'snapshot' || o.op === 'restore' ? 0 : o.node]!;
          switch (o.op) {
            case 'set':
              table.set(n, o.value);
              break;
            case 'delete':
              table.delete(n);
              break;
            case 'flag':
              flags.add(n);
              break;
            case 'unflag':
              flags.delete(n);
              break;
            case 'snapshot':
              tokens.push({ token: takeSnapshot(roots), state: state() });
              break;
            case 'restore': {
              if (tokens.length === 0) break;
              const t = tokens[o.which % tokens.length]!;
              const otherBefore = JSON.parse(state()).slice(3);
              const diff = snapshotDiff(t.token);
              const done = restore(t.token);
              const now = JSON.parse(state());
              // Mine are as at the snapshot; the other graph's entries are untouched.
              expect(now.slice(0, 3)).toEqual(JSON.parse(t.state).slice(0, 3));
              expect(now.slice(3)).toEqual(otherBefore);
              expect(done.changed).toBe(diff.records);
              expect(done.writes).toBeLessThanOrEqual(diff.slots);
              expect(restore(t.token).writes).toBe(0);
              break;
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should check every instance when restoring a token the tables are not synchronised with', () => {
    const nodes = [new Node(0), new Node(1)];
    const table = new WeakMap<object, number>([[nodes[0]!, 1]]);
    const roots = [{ nodes, table }];
    const first = takeSnapshot(roots);
    table.set(nodes[1]!, 5);
    takeSnapshot(roots); // the table now journals against this one
    table.delete(nodes[0]!);
    const slow = snapshotStats().slow;
    expect(restore(first)).toEqual({ writes: 2, changed: 1 });
    expect(snapshotStats().slow).toBe(slow + 1);
    expect([table.get(nodes[0]!), table.has(nodes[1]!)]).toEqual([1, false]);
    // Synchronised with `first` again: the journal path, which writes nothing.
    expect(restore(first)).toEqual({ writes: 0, changed: 0 });
    expect(snapshotStats().slow).toBe(slow + 1);
  });
});
