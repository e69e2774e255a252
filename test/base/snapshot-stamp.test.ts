/**
 * Write tracking in the snapshot walk (`Snapshottable.snapshotStamp`, docs/snapshot.md): a
 * restore skips a stamped class and what it owns while its stamp is the recorded one. Checked
 * here: what a skip leaves is always equal to its recording (fast-check, random operations
 * through the class's methods, changes of ordinary objects, several tokens), an object the class
 * shares with anything else is restored as an ordinary one, and `snapshotDiff` finds a class
 * that changes what it owns without taking a new stamp.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Snapshottable, nextSnapshotStamp, restoreSnapshot, snapshotDiff, snapshotStats, takeSnapshot } from '../../src/base/index.js';

/** A class instance met inside the owned data: never owned, restored as an ordinary object. */
class Peer {
  label = 'p';
}

interface Item {
  n: number;
  tags: string[];
  peer: Peer | undefined;
}

/** Owns a Map of plain objects with arrays, an array and a buffer; every change takes a stamp. */
class Table implements Snapshottable {
  readonly #items = new Map<string, Item>();
  readonly #order: string[] = [];
  readonly #bytes = new Uint8Array(8);
  #count = 0;
  #stamp = nextSnapshotStamp();
  constructor(readonly peers: readonly Peer[]) {}
  set(key: string, n: number): void {
    this.#stamp = nextSnapshotStamp();
    const item = this.#items.get(key);
    if (item) item.n = n;
    else {
      this.#items.set(key, { n, tags: [], peer: this.peers[n % this.peers.length] });
      this.#order.push(key);
    }
    this.#count++;
    this.#bytes[n % 8] = n;
  }
  tag(key: string, tag: string): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#stamp = nextSnapshotStamp();
    item.tags.push(tag);
  }
  delete(key: string): void {
    if (!this.#items.has(key)) return;
    this.#stamp = nextSnapshotStamp();
    this.#items.delete(key);
    this.#order.splice(this.#order.indexOf(key), 1);
  }
  /** A change that forgets its stamp (a bug the diff must find). */
  sneak(key: string): void {
    const item = this.#items.get(key);
    if (item) item.n += 1000;
  }
  observe(): unknown {
    return {
      items: [...this.#items].map(([k, v]) => [k, v.n, [...v.tags], v.peer?.label]),
      order: [...this.#order],
      bytes: [...this.#bytes],
      count: this.#count,
    };
  }
  snapshotFields(): readonly unknown[] {
    return [this.#items, this.#order, this.#bytes, this.#count, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#count = v[3] as number;
    this.#stamp = v[4] as number;
  }
  snapshotStamp(): number {
    return this.#stamp;
  }
}

/** Holds the array it is given, and hands it out: whoever else holds it may change it without a stamp. */
class Leaky implements Snapshottable {
  readonly #list: number[];
  #stamp = nextSnapshotStamp();
  constructor(list: number[] = [1, 2]) {
    this.#list = list;
  }
  get list(): number[] {
    return this.#list;
  }
  snapshotFields(): readonly unknown[] {
    return [this.#list, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#stamp = v[1] as number;
  }
  snapshotStamp(): number {
    return this.#stamp;
  }
}

function restore(token: ReturnType<typeof takeSnapshot>): { writes: number; stamped: number } {
  const before = snapshotStats();
  restoreSnapshot(token);
  const after = snapshotStats();
  return { writes: after.writes - before.writes, stamped: after.stamped - before.stamped };
}

describe('snapshot: stamped classes', () => {
  it('should skip an unchanged stamped class and what it owns, and restore it once it changed', () => {
    const peers = [new Peer(), new Peer()];
    const t = new Table(peers);
    t.set('a', 1);
    t.tag('a', 'x');
    const token = takeSnapshot([t]);
    const want = t.observe();
    // The Map, two arrays (order, tags), the item, the buffer and the class's fields: 6 records.
    expect(restore(token)).toEqual({ writes: 0, stamped: 6 });
    peers[1]!.label = 'changed';
    expect(restore(token)).toEqual({ writes: 1, stamped: 6 });
    t.set('b', 2);
    t.tag('a', 'y');
    t.delete('a');
    expect(restore(token).stamped).toBe(0);
    expect(t.observe()).toEqual(want);
    expect(restore(token)).toEqual({ writes: 0, stamped: 6 });
  });

  it('should restore as ordinary records what a stamped class shares with anything else', () => {
    const alone = new Leaky();
    expect(restore(takeSnapshot([alone])).stamped).toBe(2);
    // The array is reached from a plain object too: it is restored as an ordinary record (at
    // most the class's own fields are skipped).
    const leaky = new Leaky();
    const token = takeSnapshot([{ leaky, alias: leaky.list }]);
    leaky.list.push(3);
    expect(snapshotDiff(token).staleStamped).toBe(0);
    const done = restore(token);
    expect(done.writes).toBe(1);
    expect(done.stamped).toBeLessThanOrEqual(1);
    expect(leaky.list).toEqual([1, 2]);
    // Two classes holding the same array: neither is skipped.
    const shared = [1];
    const a = new Leaky(shared);
    const b = new Leaky(shared);
    const pair = takeSnapshot([a, b]);
    b.list.push(2);
    expect(restore(pair).stamped).toBe(0);
    expect(a.list).toEqual([1]);
  });

  it('should find a change a class made without a new stamp', () => {
    const t = new Table([new Peer()]);
    t.set('a', 1);
    const token = takeSnapshot([t]);
    expect(snapshotDiff(token).staleStamped).toBe(0);
    t.sneak('a');
    expect(snapshotDiff(token).staleStamped).toBe(1);
  });

  it('should leave, when it skips, exactly the recorded contents (random operations, several tokens)', () => {
    type Op =
      | { kind: 'set'; key: number; n: number }
      | { kind: 'tag'; key: number; tag: number }
      | { kind: 'delete'; key: number }
      | { kind: 'peer'; peer: number; label: number }
      | { kind: 'snapshot' }
      | { kind: 'restore'; token: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(3), n: fc.nat(20) }),
      fc.record({ kind: fc.constant('tag' as const), key: fc.nat(3), tag: fc.nat(5) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(3) }),
      fc.record({ kind: fc.constant('peer' as const), peer: fc.nat(1), label: fc.nat(3) }),
      fc.record({ kind: fc.constant('snapshot' as const) }),
      fc.record({ kind: fc.constant('restore' as const), token: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const peers = [new Peer(), new Peer()];
        const t = new Table(peers);
        const observe = (): unknown => ({ table: t.observe(), peers: peers.map((p) => p.label) });
        const tokens: { token: ReturnType<typeof takeSnapshot>; want: unknown }[] = [{ token: takeSnapshot([t]), want: observe() }];
        for (const o of ops) {
          if (o.kind === 'set') t.set(`k${o.key}`, o.n);
          else if (o.kind === 'tag') t.tag(`k${o.key}`, `t${o.tag}`);
          else if (o.kind === 'delete') t.delete(`k${o.key}`);
          else if (o.kind === 'peer') peers[o.peer]!.label = `l${o.label}`;
          else if (o.kind === 'snapshot') tokens.push({ token: takeSnapshot([t]), want: observe() });
          else {
            const { token, want } = tokens[o.token % tokens.length]!;
            for (const other of tokens) expect(snapshotDiff(other.token).staleStamped).toBe(0);
            restore(token);
            expect(observe()).toEqual(want);
            expect(snapshotDiff(token)).toEqual({ records: 0, slots: 0, staleStamped: 0 });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
