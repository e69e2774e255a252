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

export class Writer {
  private readonly parts: number[] = [];

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }

  u24(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff);
    return this;
  }

  u32(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this;
  }

  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }

  get length(): number {
    return this.parts.length;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
