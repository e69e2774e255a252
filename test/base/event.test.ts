import { afterEach, describe, expect, it } from 'vitest';
import { Emitter, Event, setUnexpectedErrorHandler } from '../../src/base/index.js';

describe('Emitter', () => {
  let restore: ((e: unknown) => void) | undefined;
  afterEach(() => {
    if (restore) setUnexpectedErrorHandler(restore);
    restore = undefined;
  });

  it('should deliver synchronously in subscription order', () => {
    const e = new Emitter<number>();
    const log: string[] = [];
    e.event((n) => log.push(`a${n}`));
    e.event((n) => log.push(`b${n}`));
    e.fire(1);
    e.fire(2);
    expect(log).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('should stop delivering to a disposed listener only', () => {
    const e = new Emitter<number>();
    const log: string[] = [];
    const sub = e.event((n) => log.push(`a${n}`));
    e.event((n) => log.push(`b${n}`));
    sub.dispose();
    e.fire(1);
    expect(log).toEqual(['b1']);
  });

  it('should keep delivering to the others when a listener throws, and report the error', () => {
    const errors: unknown[] = [];
    restore = setUnexpectedErrorHandler((err) => errors.push(err));
    const e = new Emitter<number>();
    const log: string[] = [];
    e.event(() => {
      throw new Error('boom');
    });
    e.event((n) => log.push(`b${n}`));
    e.fire(1);
    expect(log).toEqual(['b1']);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('should deliver nothing once disposed and accept no new listeners', () => {
    const e = new Emitter<number>();
    const log: number[] = [];
    e.event((n) => log.push(n));
    e.dispose();
    e.fire(1);
    e.event((n) => log.push(n));
    e.fire(2);
    expect(log).toEqual([]);
    expect(e.hasListeners).toBe(false);
  });
});

describe('Event combinators', () => {
  it('should filter, narrowing the type with a type guard', () => {
    const e = new Emitter<number | string>();
    const log: string[] = [];
    Event.filter(e.event, (v): v is number => typeof v === 'number')((n) => log.push(`number ${n.toFixed(1)}`));
    Event.filter(e.event, (v) => v === 'b')((v) => log.push(`b ${v}`));
    for (const v of [1, 'a', 'b', 2]) e.fire(v);
    expect(log).toEqual(['number 1.0', 'b b', 'number 2.0']);
  });
});
