/**
 * The udev database (/run/udev): one entry per device id (`c<maj>:<min>`, `b<maj>:<min>`,
 * `n<ifindex>`, `+<subsystem>:<sysname>`) with devlinks, link priority, initialisation time,
 * properties and tags, as /run/udev/data/<id> holds them; the per-link claim stacks of
 * /run/udev/links/; and the tag index /run/udev/tags/. In memory, deterministic iteration order.
 */

/** What /run/udev/data/<id> stores (S:, L:, I:, E:, G:, Q:, V: lines). */
export interface DbEntry {
  /** Devlinks without the /dev/ prefix (S:). */
  readonly devlinks: readonly string[];
  /** Link priority (L:), 0 when absent. */
  readonly priority: number;
  /** USEC_INITIALIZED (I:). */
  readonly usec: number | undefined;
  /** Properties (E:), in file order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  /** All tags (G:). */
  readonly tags: readonly string[];
  /** Current tags (Q:). */
  readonly currentTags: readonly string[];
  /** Database format version (V:); 1 since current tags exist. */
  readonly version: number;
  /** OPTIONS="db_persist" (sticky bit on the file). */
  readonly persist: boolean;
}

/** One claim on a /dev link: which device node and with which priority. */
export interface LinkClaim {
  readonly priority: number;
  /** Absolute device node path the link should point at. */
  readonly devnode: string;
}

/** In-memory /run/udev. */
export class UdevDatabase {
  readonly #entries = new Map<string, DbEntry>();
  readonly #links = new Map<string, Map<string, LinkClaim>>();
  readonly #tags = new Map<string, Set<string>>();

  get(id: string): DbEntry | undefined {
    return this.#entries.get(id);
  }

  set(id: string, entry: DbEntry): void {
    this.#entries.set(id, entry);
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  /** All entries, in insertion order. */
  entries(): IterableIterator<[string, DbEntry]> {
    return this.#entries.entries();
  }

  /** Record (or with `claim` undefined, drop) device `id`'s claim on `link`. Returns true if changed. */
  updateLinkClaim(link: string, id: string, claim: LinkClaim | undefined): boolean {
    let stack = this.#links.get(link);
    if (claim === undefined) {
      if (!stack || !stack.has(id)) return false;
      stack.delete(id);
      if (stack.size === 0) this.#links.delete(link);
      return true;
    }
    if (!stack) {
      stack = new Map();
      this.#links.set(link, stack);
    }
    const old = stack.get(id);
    if (old && old.priority === claim.priority && old.devnode === claim.devnode) return false;
    stack.set(id, claim);
    return true;
  }

  /** The claims on `link` by devices other than `exceptId`, in the order they were made. */
  linkClaims(link: string): ReadonlyMap<string, LinkClaim> {
    return this.#links.get(link) ?? new Map();
  }

  /** Add or remove device `id` in the index of `tag` (/run/udev/tags/<tag>/<id>). */
  updateTagIndex(tag: string, id: string, add: boolean): void {
    let set = this.#tags.get(tag);
    if (add) {
      if (!set) {
        set = new Set();
        this.#tags.set(tag, set);
      }
      set.add(id);
    } else if (set) {
      set.delete(id);
      if (set.size === 0) this.#tags.delete(tag);
    }
  }

  /** Device ids tagged with `tag`. */
  tagged(tag: string): ReadonlySet<string> {
    return this.#tags.get(tag) ?? new Set();
  }

  /** Snapshot (docs/snapshot.md): the private state, restored in place. */
  snapshotFields(): readonly unknown[] {
    return [this.#entries, this.#links, this.#tags];
  }
  restoreFields(): void {
    // Every field is readonly: its contents are restored where they live.
  }
}
