import { describe, expect, it } from 'vitest';
import { BugIndicatingError, Disposable, DisposableStore, IdAllocator, toDisposable } from '../../src/base/index.js';

describe('DisposableStore', () => {
  it('should dispose last-in-first-out', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    for (const n of ['a', 'b', 'c']) store.add(toDisposable(() => log.push(n)));
    expect(store.size).toBe(3);
    store.dispose();
    expect(log).toEqual(['c', 'b', 'a']);
    expect(store.isDisposed).toBe(true);
  });

  it('should run every item even when one throws, then rethrow the first error', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => log.push('a')));
    store.add(
      toDisposable(() => {
        throw new Error('first');
      }),
    );
    store.add(
      toDisposable(() => {
        throw new Error('second');
      }),
    );
    store.add(toDisposable(() => log.push('d')));
    expect(() => store.clear()).toThrow('second');
    expect(log).toEqual(['d', 'a']);
    expect(store.size).toBe(0);
  });

  it('should dispose an item added after disposal and report the misuse', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    store.dispose();
    expect(() => store.add(toDisposable(() => log.push('late')))).toThrow(BugIndicatingError);
    expect(log).toEqual(['late']);
  });

  it('should make toDisposable idempotent and Disposable dispose its children', () => {
    let n = 0;
    const d = toDisposable(() => n++);
    d.dispose();
    d.dispose();
    expect(n).toBe(1);
    const log: string[] = [];
    class Service extends Disposable {
      constructor() {
        super();
        this._register(toDisposable(() => log.push('child 1')));
        this._register(toDisposable(() => log.push('child 2')));
      }
    }
    new Service().dispose();
    expect(log).toEqual(['child 2', 'child 1']);
  });
});

describe('IdAllocator', () => {
  it('should hand out the lowest free id', () => {
    const ida = new IdAllocator();
    expect([ida.alloc(), ida.alloc(), ida.alloc()]).toEqual([0, 1, 2]);
    ida.free(1);
    ida.free(0);
    expect([ida.alloc(), ida.alloc(), ida.alloc()]).toEqual([0, 1, 3]);
  });

  it('should honour a minimum and ids taken explicitly', () => {
    const ida = new IdAllocator(1);
    expect(ida.take(1)).toBe(true);
    expect(ida.take(1)).toBe(false);
    expect(ida.alloc()).toBe(2);
    expect(ida.has(2)).toBe(true);
  });

  it('should report freeing an id that is not allocated', () => {
    expect(() => new IdAllocator().free(4)).toThrow(BugIndicatingError);
  });
});
