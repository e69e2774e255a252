/**
 * sysfs attributes as the driver core declares them: a name, a mode, and show/store callbacks
 * over the owning object (DEVICE_ATTR, DRIVER_ATTR, BUS_ATTR), plus binary attributes
 * (BIN_ATTR: `config`, `resourceN`) read and written at an offset. Groups may live in a
 * subdirectory and hide members per object (`is_visible`).
 */

/** A text attribute. `store` returns the byte count consumed (normally `buf.length`) or throws
 * DriverModelError; `show` returns the whole file (at most PAGE_SIZE). */
export interface Attribute<O> {
  readonly name: string;
  readonly mode: number;
  readonly show?: (obj: O) => string;
  /** `writer` is the process performing the write(2), for attributes that check capabilities
   * themselves (PCI `enable` needs CAP_SYS_ADMIN); kernel-internal writes pass none. */
  readonly store?: (obj: O, buf: string, writer?: AttributeAccessor) => number;
}

/** A binary attribute (`config`, `resourceN`): positioned reads and writes. */
export interface BinAttribute<O> {
  readonly name: string;
  readonly mode: number;
  readonly binary: true;
  /** Current size of the file (`config` is 256 or 4096). */
  readonly size: (obj: O) => number;
  readonly read?: (obj: O, offset: number, length: number, reader: AttributeAccessor) => Uint8Array;
  readonly write?: (obj: O, offset: number, data: Uint8Array, writer: AttributeAccessor) => number;
  /** The file can be mmap()ed (memory BARs): kernfs then opens it for read and write, and a
   * read() or write() without a handler fails with EIO (sysfs_kf_bin_read/write). */
  readonly mmap?: true;
}

/** Who performs a binary access: attributes such as `config` check capabilities themselves. */
export interface AttributeAccessor {
  hasCapability(cap: string): boolean;
  readonly comm: string;
}

export type AnyAttribute<O> = Attribute<O> | BinAttribute<O>;

export interface AttributeGroup<O> {
  /** Subdirectory name (`power`, `doe_features`), or none for the object's own directory. */
  readonly name?: string;
  readonly attrs: readonly AnyAttribute<O>[];
  /** Return 0 to hide `attr` for this object, or a mode to override its mode. */
  readonly isVisible?: (obj: O, attr: AnyAttribute<O>) => number;
}

export function isBinAttribute<O>(a: AnyAttribute<O>): a is BinAttribute<O> {
  return (a as BinAttribute<O>).binary === true;
}

/**
 * The attribute groups of a bus, class or driver: declarations, never changed once the object
 * holding them is made. They are frozen here (the array, each group, its `attrs` and each
 * attribute), so a machine snapshot neither records nor compares them (docs/snapshot.md).
 */
export function frozenGroups<O>(groups: readonly AttributeGroup<O>[] | undefined): readonly AttributeGroup<O>[] {
  if (groups === undefined) return noGroups as readonly AttributeGroup<O>[];
  for (const g of groups) {
    for (const a of g.attrs) Object.freeze(a);
    Object.freeze(g.attrs);
    Object.freeze(g);
  }
  return Object.freeze(groups);
}

const noGroups: readonly AttributeGroup<unknown>[] = Object.freeze([]);

/** Read-only 0444 attribute shorthand (DEVICE_ATTR_RO). The attribute is frozen, as the others: a declaration. */
export function attrRO<O>(name: string, show: (obj: O) => string, mode = 0o444): Attribute<O> {
  return Object.freeze({ name, mode, show });
}

/** Write-only 0200 attribute shorthand (DEVICE_ATTR_WO). */
export function attrWO<O>(name: string, store: (obj: O, buf: string, writer?: AttributeAccessor) => number, mode = 0o200): Attribute<O> {
  return Object.freeze({ name, mode, store });
}

/** Read-write 0644 attribute shorthand (DEVICE_ATTR_RW). */
export function attrRW<O>(
  name: string,
  show: (obj: O) => string,
  store: (obj: O, buf: string, writer?: AttributeAccessor) => number,
  mode = 0o644,
): Attribute<O> {
  return Object.freeze({ name, mode, show, store });
}

/** sysfs_streq: equal, allowing one trailing newline on either side. */
export function sysfsStreq(a: string, b: string): boolean {
  const strip = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s);
  return strip(a) === strip(b);
}

/** PAGE_SIZE: the largest sysfs text write (kernfs cuts longer writes to it) and show() output. */
export const PAGE_SIZE = 4096;
