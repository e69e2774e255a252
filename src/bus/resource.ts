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

@injectable()
export class ResourceTree {
  readonly #claims: Resource[] = [];
  /** CONFIG_IO_STRICT_DEVMEM: every busy region is off limits to userspace mappings. */
  ioStrictDevmem = true;

  /** __request_region: EBUSY if any busy region overlaps. Returns the claim to release. */
  request(kind: Resource['kind'], start: number, size: number, owner: string, exclusive = false): Resource {
    const end = start + size - 1;
    const clash = this.#claims.find((r) => r.kind === kind && r.start <= end && start <= r.end);
    if (clash) throw kerr('EBUSY', `${owner}: can't reserve [${kind} 0x${start.toString(16)}-0x${end.toString(16)}]: held by ${clash.owner}`);
    const res: Resource = { name: owner, start, end, kind, busy: true, exclusive, owner };
    this.#claims.push(res);
    return res;
  }

  release(res: Resource): void {
    const i = this.#claims.indexOf(res);
    if (i >= 0) this.#claims.splice(i, 1);
  }

  /** iomem_is_exclusive: busy and (strict devmem or IORESOURCE_EXCLUSIVE). */
  iomemIsExclusive(start: number, size: number): boolean {
    const end = start + size - 1;
    return this.#claims.some((r) => r.kind === 'mem' && r.start <= end && start <= r.end && r.busy && (this.ioStrictDevmem || r.exclusive));
  }

  get claims(): readonly Resource[] {
    return this.#claims;
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#claims];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
