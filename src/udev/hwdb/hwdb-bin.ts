/**
 * The compiled hardware database (sd-hwdb, hwdb-internal.h): reading `hwdb.bin` and looking up
 * a modalias as sd_hwdb_seek()/SD_HWDB_FOREACH_PROPERTY do.
 *
 * Layout (little endian): a header (signature "KSLPHHRH", tool_version, file_size, header_size,
 * node_size, child_entry_size, value_entry_size, nodes_root_off, nodes_len, strings_len; 8 + 9×8
 * bytes), then nodes, then NUL-terminated strings. A node is {prefix_off u64, children_count u8,
 * 7 padding, values_count u64} followed by children_count child entries {c u8, 7 padding,
 * child_off u64} sorted by c, then values_count value entries {key_off, value_off} (v1, 16
 * bytes) or {key_off, value_off, filename_off u64, line_number u32, file_priority u16, pad u16}
 * (v2/v3, 32 bytes) sorted by key. Keys are stored with a leading space; keys without one are
 * ignored (reserved for extensions).
 *
 * Lookup (trie_search_f): walk the trie along the modalias; at every node on the path first
 * try the `*`, `?` and `[` children, whose whole subtrees are matched with fnmatch(pattern,
 * rest-of-modalias, 0) (trie_fnmatch_f: children first in byte order, then the node's own
 * values); a prefix containing a wildcard switches to fnmatch from there; at the end of the
 * modalias the node's values match. Properties collect in first-seen order; a key seen again
 * replaces the earlier value in place unless it comes from a lower (file_priority, line)
 * (hwdb_add_property).
 */
import { glibcFnmatch } from '../rules/fnmatch.js';

export const HWDB_SIGNATURE = 'KSLPHHRH';
export const HWDB_HEADER_SIZE = 80;
export const HWDB_NODE_SIZE = 24;
export const HWDB_CHILD_SIZE = 16;
export const HWDB_VALUE_SIZE_V1 = 16;
export const HWDB_VALUE_SIZE_V2 = 32;

/** One looked-up property with where it came from (v2 files). */
export interface HwdbEntry {
  readonly value: string;
  readonly filenameOff: number;
  readonly line: number;
  readonly priority: number;
}

/** Why a hwdb.bin was refused (sd_hwdb_new's errno). */
export type HwdbOpenError = 'EIO' | 'EINVAL';

export class HwdbBin {
  readonly #b: Uint8Array;
  readonly #dv: DataView;
  readonly #nodeSize: number;
  readonly #childSize: number;
  readonly #valueSize: number;
  readonly #root: number;
  readonly #strings = new Map<number, string>();

  private constructor(bytes: Uint8Array) {
    this.#b = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#nodeSize = this.#u64(32);
    this.#childSize = this.#u64(40);
    this.#valueSize = this.#u64(48);
    this.#root = this.#u64(56);
  }

  /**
   * sd_hwdb_new_from_path()'s checks: at least the header up to strings_len (EIO), the
   * signature and file_size equal to the real size (EINVAL).
   */
  static open(bytes: Uint8Array): HwdbBin | HwdbOpenError {
    if (bytes.length < 72 + 8) return 'EIO';
    for (let i = 0; i < 8; i++) if (bytes[i] !== HWDB_SIGNATURE.charCodeAt(i)) return 'EINVAL';
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (Number(dv.getBigUint64(16, true)) !== bytes.length) return 'EINVAL';
    return new HwdbBin(bytes);
  }

  /** The tool_version field (systemd's version number, e.g. 252). */
  get toolVersion(): number {
    return this.#u64(8);
  }

  #u64(off: number): number {
    return Number(this.#dv.getBigUint64(off, true));
  }

  #string(off: number): string {
    let s = this.#strings.get(off);
    if (s !== undefined) return s;
    const b = this.#b;
    let e = off;
    while (e < b.length && b[e] !== 0) e++;
    s = '';
    for (let i = off; i < e; i += 4096) s += String.fromCharCode(...b.subarray(i, Math.min(e, i + 4096)));
    this.#strings.set(off, s);
    return s;
  }

  #childCount(node: number): number {
    return this.#b[node + 8]!;
  }

  #childChar(node: number, i: number): number {
    return this.#b[node + this.#nodeSize + i * this.#childSize]!;
  }

  #childOff(node: number, i: number): number {
    return this.#u64(node + this.#nodeSize + i * this.#childSize + 8);
  }

  #valuesCount(node: number): number {
    return this.#u64(node + 16);
  }

  /** node_lookup_f: binary search of the sorted child array. */
  #lookupChild(node: number, c: number): number | undefined {
    let lo = 0;
    let hi = this.#childCount(node) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.#childChar(node, mid);
      if (m === c) return this.#childOff(node, mid);
      if (m < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  #addValues(node: number, props: Map<string, HwdbEntry>): void {
    const n = this.#valuesCount(node);
    const base = node + this.#nodeSize + this.#childCount(node) * this.#childSize;
    const v2 = this.#valueSize >= HWDB_VALUE_SIZE_V2;
    for (let i = 0; i < n; i++) {
      const e = base + i * this.#valueSize;
      const key = this.#string(this.#u64(e));
      if (key.charCodeAt(0) !== 32) continue;
      const k = key.slice(1);
      const entry: HwdbEntry = {
        value: this.#string(this.#u64(e + 8)),
        filenameOff: v2 ? this.#u64(e + 16) : 0,
        line: v2 ? this.#dv.getUint32(e + 24, true) : 0,
        priority: v2 ? this.#dv.getUint16(e + 28, true) : 0,
      };
      if (v2) {
        const old = props.get(k);
        if (old) {
          const lower =
            entry.priority === 0
              ? entry.filenameOff < old.filenameOff || (entry.filenameOff === old.filenameOff && entry.line < old.line)
              : entry.priority < old.priority || (entry.priority === old.priority && entry.line < old.line);
          if (lower) continue;
        }
      }
      props.set(k, entry);
    }
  }

  /** trie_fnmatch_f: every valued node below `node` whose full key matches `search`. */
  #fnmatchSubtree(node: number, p: number, buf: string, search: string, props: Map<string, HwdbEntry>): void {
    const prefix = this.#string(this.#u64(node));
    const key = buf + prefix.slice(p);
    const n = this.#childCount(node);
    for (let i = 0; i < n; i++) {
      this.#fnmatchSubtree(this.#childOff(node, i), 0, key + String.fromCharCode(this.#childChar(node, i)), search, props);
    }
    if (this.#valuesCount(node) > 0 && glibcFnmatch(key, search)) this.#addValues(node, props);
  }

  /** sd_hwdb_seek + enumerate: the properties for `modalias`, in udev's order. */
  lookupEntries(modalias: string): Map<string, HwdbEntry> {
    const props = new Map<string, HwdbEntry>();
    let node: number | undefined = this.#root;
    let i = 0;
    while (node !== undefined) {
      const prefixOff = this.#u64(node);
      if (prefixOff !== 0) {
        const prefix = this.#string(prefixOff);
        let p = 0;
        for (; p < prefix.length; p++) {
          const c = prefix[p]!;
          if (c === '*' || c === '?' || c === '[') {
            this.#fnmatchSubtree(node, p, '', modalias.slice(i + p), props);
            return props;
          }
          if (c !== modalias[i + p]) return props;
        }
        i += p;
      }
      for (const w of [42, 63, 91]) {
        const child = this.#lookupChild(node, w);
        if (child !== undefined) this.#fnmatchSubtree(child, 0, String.fromCharCode(w), modalias.slice(i), props);
      }
      if (i >= modalias.length) {
        this.#addValues(node, props);
        return props;
      }
      node = this.#lookupChild(node, modalias.charCodeAt(i));
      i++;
    }
    return props;
  }

  /** The properties for `modalias` as key → value, in udev's order. */
  lookup(modalias: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, e] of this.lookupEntries(modalias)) out.set(k, e.value);
    return out;
  }
}
