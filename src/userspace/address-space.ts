/**
 * A process's user memory (mm): anonymous mappings handed out page-aligned from a fixed base
 * upwards, never below it, so address 0 (NULL) and everything unmapped answer EFAULT to the
 * kernel's copy helpers. Deterministic: the same sequence of maps gives the same addresses.
 */
import { kerr } from '../base/index.js';
import type { UserMemory } from '../bus/index.js';

const PAGE = 4096n;
/** Where the first mapping goes (mmap_min_addr is 64 KiB on most distributions). */
const MMAP_BASE = 0x7f00_0000_0000n;

interface Mapping {
  readonly start: bigint;
  readonly bytes: Uint8Array;
}

export class AddressSpace implements UserMemory {
  readonly #maps: Mapping[] = [];
  #next = MMAP_BASE;

  /** mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_ANONYMOUS): a zeroed mapping (or a copy of `init`). */
  map(lengthOrInit: number | Uint8Array): bigint {
    const init = typeof lengthOrInit === 'number' ? undefined : lengthOrInit;
    const len = init ? init.length : (lengthOrInit as number);
    const bytes = new Uint8Array(len);
    if (init) bytes.set(init);
    const start = this.#next;
    this.#maps.push({ start, bytes });
    // One unmapped guard page after every mapping, so an overrun faults.
    const pages = (BigInt(len) + PAGE - 1n) / PAGE;
    this.#next += (pages + 1n) * PAGE;
    return start;
  }

  /** munmap of a whole mapping. */
  unmap(addr: bigint): void {
    const i = this.#maps.findIndex((m) => m.start === addr);
    if (i < 0) throw kerr('EINVAL', `munmap: no mapping at 0x${addr.toString(16)}`);
    this.#maps.splice(i, 1);
  }

  /** Mappings alive (for leak checks). */
  get mappings(): number {
    return this.#maps.length;
  }

  #find(addr: bigint, len: number): { m: Mapping; off: number } {
    for (const m of this.#maps) {
      if (addr >= m.start && addr + BigInt(len) <= m.start + BigInt(m.bytes.length)) return { m, off: Number(addr - m.start) };
    }
    throw kerr('EFAULT', `bad address 0x${addr.toString(16)} (+${len})`);
  }

  read(addr: bigint, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const { m, off } = this.#find(addr, len);
    return m.bytes.slice(off, off + len);
  }

  write(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const { m, off } = this.#find(addr, data.length);
    m.bytes.set(data, off);
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#maps, this.#next];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#next = v[1] as never;
  }
}
