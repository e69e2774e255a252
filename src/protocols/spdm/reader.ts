/**
 * Strict little-endian readers and writers for SPDM messages. A read past the end is a
 * DriverModelError EIO "<what>: truncated (<n> bytes, need <m>)", the way LNX-SPDM reports short
 * responses; callers report malformed fields as EPROTO. Nothing else is ever thrown.
 */
import { kerr } from '../../base/index.js';

export class Reader {
  private pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw kerr('EIO', `${this.what}: truncated (${this.bytes.length} bytes, need ${this.pos + n})`);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const v = b[this.pos]! | (b[this.pos + 1]! << 8) | (b[this.pos + 2]! << 16);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const v = (b[this.pos]! | (b[this.pos + 1]! << 8) | (b[this.pos + 2]! << 16) | (b[this.pos + 3]! << 24)) >>> 0;
    this.pos += 4;
    return v;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  discard(n: number): void {
    this.need(n);
    this.pos += n;
  }

  fail(message: string): never {
    throw kerr('EPROTO', `${this.what}: ${message}`);
  }
}

/** Byte strings at least this long are kept by reference until `finish`, shorter ones copied at once. */
const CHUNK_MIN = 16;

/**
 * Builds a message: scalars and short byte strings are collected as numbers, longer byte strings
 * kept by reference, and `finish` allocates the message once and copies everything in order.
 * Contract: a byte string given to `bytes` must not change before `finish`.
 */
export class Writer {
  /** Complete pieces in order: runs of scalar bytes, and byte strings. */
  private readonly pieces: (number[] | Uint8Array)[] = [];
  /** The current run of scalar bytes (not yet in `pieces`). */
  private run: number[] = [];
  private n = 0;

  u8(v: number): this {
    this.run.push(v & 0xff);
    this.n += 1;
    return this;
  }

  u16(v: number): this {
    this.run.push(v & 0xff, (v >>> 8) & 0xff);
    this.n += 2;
    return this;
  }

  u24(v: number): this {
    this.run.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff);
    this.n += 3;
    return this;
  }

  u32(v: number): this {
    this.run.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    this.n += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    if (b.length < CHUNK_MIN) {
      for (let i = 0; i < b.length; i++) this.run.push(b[i]!);
    } else {
      if (this.run.length > 0) {
        this.pieces.push(this.run);
        this.run = [];
      }
      this.pieces.push(b);
    }
    this.n += b.length;
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.run.push(0);
    this.n += Math.max(n, 0);
    return this;
  }

  get length(): number {
    return this.n;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const p of this.pieces) {
      if (p instanceof Uint8Array) out.set(p, o);
      else for (let i = 0; i < p.length; i++) out[o + i] = p[i]!;
      o += p.length;
    }
    const run = this.run;
    for (let i = 0; i < run.length; i++) out[o + i] = run[i]!;
    return out;
  }
}
