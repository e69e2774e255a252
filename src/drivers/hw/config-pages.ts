/**
 * The byte arrays behind a simulated function's configuration space (its contents, write masks,
 * RW1C masks and power-on image), stored sparsely: 256-byte pages, a page never written reads as
 * zero and takes no memory, and sealed pages are shared copy-on-write — between a function's
 * contents and its power-on image, and between functions whose pages hold the same bytes (every
 * function of a preset has the same write masks and nearly the same capabilities). A function
 * of 4 KiB of PCIe configuration space used to own four 4 KiB arrays; it now owns the pages
 * software wrote after boot (the header page with its BARs and command register, a capability
 * page whose control registers were set) and shares the rest (issue #12, heap per device).
 * What a read returns is unchanged: the same bytes at every offset.
 */
import { nextSnapshotStamp, opaque } from '../../base/index.js';

/** Bytes per page: the conventional configuration space (header and capability list) is page 0. */
export const CONFIG_PAGE_SIZE = 256;
const PAGE_SHIFT = 8;
const PAGE_MASK = CONFIG_PAGE_SIZE - 1;

/**
 * Sealed pages by content, shared by every function of the process. A page in the pool is never
 * written (a table that holds it copies it first). Bounded: past POOL_MAX pages the pool starts
 * again (pages already shared stay shared; later functions share among themselves).
 */
const pool = new Map<number, Uint8Array[]>();
let pooled = 0;
const POOL_MAX = 4096;

/** FNV-1a of a page, the pool's bucket. */
function pageHash(page: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < page.length; i++) h = Math.imul(h ^ page[i]!, 0x01000193);
  return h >>> 0;
}

function samePage(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The pool's page with the bytes of `page` (`page` itself when it is the first such). */
function sharedPage(page: Uint8Array): Uint8Array {
  const h = pageHash(page);
  let bucket = pool.get(h);
  if (bucket !== undefined) for (const p of bucket) if (samePage(p, page)) return p;
  if (pooled >= POOL_MAX) {
    pool.clear();
    pooled = 0;
    bucket = undefined;
  }
  if (bucket === undefined) pool.set(h, (bucket = []));
  // Never written from here on: a snapshot keeps it by identity (docs/snapshot.md).
  bucket.push(opaque(page));
  pooled++;
  return page;
}

/** Pages allocated by every table of the process so far (structural memory tests count these). */
let pagesAllocated = 0;
export function configPagesAllocated(): number {
  return pagesAllocated;
}

/** A sealed image of a table's pages (the power-on contents): shared pages only. */
export type ConfigPagesImage = readonly (Uint8Array | undefined)[];

/**
 * `size` bytes, zero until written, as pages. Pages the table owns are written in place; a
 * shared page (from the pool or an image) is copied on its first write.
 */
export class ConfigPages {
  #pages: (Uint8Array | undefined)[];
  /** Bit i: page i belongs to this table alone and may be written in place. */
  #owned = 0;
  /**
   * Taken anew on every change of the page list, `#owned` or an owned page's bytes (`set`,
   * `seal`, `restore`: Snapshottable.snapshotStamp). Shared pages are never written.
   */
  #stamp = nextSnapshotStamp();

  constructor(readonly size: number) {
    this.#pages = new Array<Uint8Array | undefined>(Math.ceil(size / CONFIG_PAGE_SIZE)).fill(undefined);
  }

  /** The byte at `offset` (0 where nothing was written). */
  get(offset: number): number {
    const page = this.#pages[offset >> PAGE_SHIFT];
    return page === undefined ? 0 : page[offset & PAGE_MASK]!;
  }

  set(offset: number, value: number): void {
    this.#stamp = nextSnapshotStamp();
    const i = offset >> PAGE_SHIFT;
    let page = this.#pages[i];
    if (page !== undefined && this.#owned & (1 << i)) {
      page[offset & PAGE_MASK] = value;
      return;
    }
    // A zero written to a page that reads as zero changes nothing: no page is made for it.
    if (page === undefined && (value & 0xff) === 0) return;
    page = page === undefined ? new Uint8Array(CONFIG_PAGE_SIZE) : page.slice();
    pagesAllocated++;
    this.#pages[i] = page;
    this.#owned |= 1 << i;
    page[offset & PAGE_MASK] = value;
  }

  /** Share every page through the pool; later writes copy. */
  seal(): void {
    this.#stamp = nextSnapshotStamp();
    for (let i = 0; i < this.#pages.length; i++) {
      const page = this.#pages[i];
      if (page !== undefined) this.#pages[i] = sharedPage(page);
    }
    this.#owned = 0;
  }

  /** The current contents as an image (seals first, so the image and the table share pages). */
  image(): ConfigPagesImage {
    this.seal();
    return this.#pages.slice();
  }

  /** Back to `image` (its pages shared until written). */
  restore(image: ConfigPagesImage): void {
    this.#stamp = nextSnapshotStamp();
    this.#pages = image.slice();
    this.#owned = 0;
  }

  /** Pages holding bytes (owned or shared): what a read may find non-zero. */
  get presentPages(): number {
    return this.#pages.filter((p) => p !== undefined).length;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#pages, this.#owned, this.#stamp];
  }
  restoreFields(v: readonly unknown[]): void {
    this.#pages = v[0] as never;
    this.#owned = v[1] as never;
    this.#stamp = v[2] as never;
  }
  snapshotStamp(): number {
    return this.#stamp;
  }

  /** Pages this table alone holds. */
  get ownedPages(): number {
    let n = 0;
    for (let m = this.#owned; m !== 0; m &= m - 1) n++;
    return n;
  }
}
