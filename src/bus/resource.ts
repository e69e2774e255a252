/**
 * The resource tree (kernel/resource.c): iomem/ioport regions and exclusive claims. A driver's
 * request of a busy range fails with EBUSY; `iomemIsExclusive` answers what /dev/mem and sysfs
 * resource mmap may touch under strict devmem.
 */
import { injectable, type ServiceIdentifier } from 'inversify';
import { kerr } from '../base/index.js';

export interface Resource {
  readonly name: string;
  readonly start: number;
  /** Inclusive end, as struct resource. */
  readonly end: number;
  readonly kind: 'mem' | 'io';
  /** IORESOURCE_BUSY: claimed by a driver. */
  readonly busy: boolean;
  /** IORESOURCE_EXCLUSIVE. */
  readonly exclusive: boolean;
  readonly owner: string;
}

export const IResourceTree: ServiceIdentifier<ResourceTree> = Symbol.for('IResourceTree');

/** The first index of `sorted` (disjoint ranges by start, so their ends ascend too) whose end is ≥ `at`. */
function firstEndingAtOrAfter(sorted: readonly Resource[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.end < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

@injectable()
export class ResourceTree {
  /** Every claim in the order it was made (the order /proc/iomem lists them). */
  readonly #claims = new Set<Resource>();
  /**
   * The claims of each kind sorted by start: they never overlap (a clash is refused), so an
   * overlap query is a binary search, not a walk over every claim.
   */
  readonly #sorted: Record<Resource['kind'], Resource[]> = { mem: [], io: [] };
  /** CONFIG_IO_STRICT_DEVMEM: every busy region is off limits to userspace mappings. */
  ioStrictDevmem = true;

  /** __request_region: EBUSY if any busy region overlaps. Returns the claim to release. */
  request(kind: Resource['kind'], start: number, size: number, owner: string, exclusive = false): Resource {
    const end = start + size - 1;
    const sorted = this.#sorted[kind];
    const at = firstEndingAtOrAfter(sorted, start);
    const clash = sorted[at];
    if (clash && clash.start <= end) {
      throw kerr('EBUSY', `${owner}: can't reserve [${kind} 0x${start.toString(16)}-0x${end.toString(16)}]: held by ${clash.owner}`);
    }
    const res: Resource = { name: owner, start, end, kind, busy: true, exclusive, owner };
    this.#claims.add(res);
    sorted.splice(at, 0, res);
    return res;
  }

  release(res: Resource): void {
    if (!this.#claims.delete(res)) return;
    const sorted = this.#sorted[res.kind];
    let i = firstEndingAtOrAfter(sorted, res.end);
    while (i < sorted.length && sorted[i] !== res) i++;
    sorted.splice(i, 1);
  }

  /** iomem_is_exclusive: busy and (strict devmem or IORESOURCE_EXCLUSIVE). */
  iomemIsExclusive(start: number, size: number): boolean {
    const end = start + size - 1;
    const sorted = this.#sorted.mem;
    for (let i = firstEndingAtOrAfter(sorted, start); i < sorted.length && sorted[i]!.start <= end; i++) {
      const r = sorted[i]!;
      if (r.busy && (this.ioStrictDevmem || r.exclusive)) return true;
    }
    return false;
  }

  get claims(): readonly Resource[] {
    return [...this.#claims];
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#claims, this.#sorted];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
