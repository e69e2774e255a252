/**
 * Compiling `.hwdb` text files into hwdb.bin bytes (hwdb-util.c: import_file, trie_insert,
 * trie_store), so a machine, a browser or a host without udev still has a database.
 *
 * Text format, per line (after dropping a line starting with `#`, cutting at the first `#` and
 * trailing whitespace): a record is one or more match lines (not indented) followed by property
 * lines (` KEY=VALUE`, indented; several leading blanks count as one); an empty line ends it.
 * Files are imported in the order given (conf_files_list: by base name, /etc before /usr/lib
 * for the same name), file_priority counting from 1. A key set twice on one match keeps the
 * later value. Warnings are hwdb-util's log_syntax() messages with `file:line:`.
 *
 * Output: the v2 layout with filename, line and priority per value (as `systemd-hwdb update`
 * writes it; `udevadm hwdb --update` writes the v1 "compat" layout, `compat: true`). Strings are
 * stored once each (the real strbuf also merges suffixes; lookups are the same).
 */
import { HWDB_CHILD_SIZE, HWDB_HEADER_SIZE, HWDB_NODE_SIZE, HWDB_SIGNATURE, HWDB_VALUE_SIZE_V1, HWDB_VALUE_SIZE_V2 } from './hwdb-bin.js';

export interface HwdbSourceFile {
  /** The path written into the database and into warnings. */
  readonly path: string;
  /** File contents as a byte string. */
  readonly text: string;
}

interface TrieValue {
  key: string;
  value: string;
  filename: string;
  line: number;
  priority: number;
}

interface TrieNode {
  prefix: string;
  children: Array<{ c: number; node: TrieNode }>;
  values: TrieValue[];
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function addValue(node: TrieNode, v: TrieValue): void {
  const old = node.values.find((x) => x.key === v.key);
  if (old) {
    old.value = v.value;
    old.filename = v.filename;
    old.line = v.line;
    old.priority = v.priority;
    return;
  }
  node.values.push(v);
  node.values.sort((a, b) => cmpStr(a.key, b.key));
}

function addChild(node: TrieNode, c: number, child: TrieNode): void {
  node.children.push({ c, node: child });
  node.children.sort((a, b) => a.c - b.c);
}

/** trie_insert: split prefixes where they diverge, add the value at the end of `search`. */
function insert(root: TrieNode, search: string, v: TrieValue): void {
  let node = root;
  let i = 0;
  for (;;) {
    const prefix = node.prefix;
    for (let p = 0; p < prefix.length; p++) {
      if (prefix[p] === search[i + p]) continue;
      // Split: the rest of this node moves into a child under prefix[p].
      const moved: TrieNode = { prefix: prefix.slice(p + 1), children: node.children, values: node.values };
      node.prefix = prefix.slice(0, p);
      node.children = [];
      node.values = [];
      addChild(node, prefix.charCodeAt(p), moved);
      break;
    }
    i += node.prefix.length;
    if (i >= search.length) {
      addValue(node, v);
      return;
    }
    const c = search.charCodeAt(i);
    const child = node.children.find((x) => x.c === c)?.node;
    if (!child) {
      const fresh: TrieNode = { prefix: search.slice(i + 1), children: [], values: [] };
      addChild(node, c, fresh);
      addValue(fresh, v);
      return;
    }
    node = child;
    i++;
  }
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** import_file(): parse one file's records into the trie; returns its warnings. */
function importFile(root: TrieNode, file: HwdbSourceFile, priority: number): string[] {
  const warnings: string[] = [];
  const warn = (line: number, msg: string): void => {
    warnings.push(`${file.path}:${line}: ${msg}`);
  };
  let state: 'none' | 'match' | 'data' = 'none';
  let matches: string[] = [];
  const lines = file.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let lineNumber = 0;
  const insertData = (line: string): void => {
    const eq = line.indexOf('=');
    if (eq < 0) {
      warn(lineNumber, `Key-value pair expected but got "${line}", ignoring.`);
      return;
    }
    let key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    while (isBlank(key[0]) && isBlank(key[1])) key = key.slice(1);
    if (key.length <= 1) {
      warn(lineNumber, `Empty key in "${key}=${value}", ignoring.`);
      return;
    }
    for (const m of matches) insert(root, m, { key, value, filename: file.path, line: lineNumber, priority });
  };
  for (let raw of lines) {
    lineNumber++;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw[0] === '#') continue;
    const hash = raw.indexOf('#');
    let line = hash >= 0 ? raw.slice(0, hash) : raw;
    let len = line.length;
    while (len > 0 && isSpace(line[len - 1])) len--;
    line = line.slice(0, len);
    switch (state) {
      case 'none':
        if (len === 0) break;
        if (line[0] === ' ') {
          warn(lineNumber, `Match expected but got indented property "${line}", ignoring line.`);
          break;
        }
        state = 'match';
        matches.push(line);
        break;
      case 'match':
        if (len === 0) {
          warn(lineNumber, 'Property expected, ignoring record with no properties.');
          state = 'none';
          matches = [];
          break;
        }
        if (line[0] !== ' ') {
          matches.push(line);
          break;
        }
        state = 'data';
        insertData(line);
        break;
      case 'data':
        if (len === 0) {
          state = 'none';
          matches = [];
          break;
        }
        if (line[0] !== ' ') {
          warn(lineNumber, `Property or empty line expected, got "${line}", ignoring record.`);
          state = 'none';
          matches = [];
          break;
        }
        insertData(line);
        break;
    }
  }
  if (state === 'match') warn(lineNumber, 'Property expected, ignoring record with no properties.');
  return warnings;
}

/** Compile files (in import order) into hwdb.bin bytes. */
export function compileHwdb(
  files: readonly HwdbSourceFile[],
  options: { compat?: boolean; toolVersion?: number } = {},
): { bytes: Uint8Array; warnings: string[] } {
  const root: TrieNode = { prefix: '', children: [], values: [] };
  const warnings: string[] = [];
  files.forEach((f, k) => warnings.push(...importFile(root, f, k + 1)));
  const compat = options.compat === true;
  const valueSize = compat ? HWDB_VALUE_SIZE_V1 : HWDB_VALUE_SIZE_V2;

  // Strings: offset 0 is the empty string (so the root's prefix_off is 0, as in strbuf).
  const strings = new Map<string, number>([['', 0]]);
  const stringParts: string[] = ['\0'];
  let stringsLen = 1;
  const str = (s: string): number => {
    let off = strings.get(s);
    if (off === undefined) {
      off = stringsLen;
      strings.set(s, off);
      stringParts.push(s + '\0');
      stringsLen += s.length + 1;
    }
    return off;
  };
  // Size of the node area (every node, its children and values).
  let nodesLen = 0;
  const sizeOf = (n: TrieNode): void => {
    for (const c of n.children) sizeOf(c.node);
    nodesLen += HWDB_NODE_SIZE + n.children.length * HWDB_CHILD_SIZE + n.values.length * valueSize;
  };
  sizeOf(root);
  const stringsOff = HWDB_HEADER_SIZE + nodesLen;
  // Intern strings in a stable order before laying out nodes.
  const visit = (n: TrieNode): void => {
    for (const c of n.children) visit(c.node);
    str(n.prefix);
    for (const v of n.values) {
      str(v.key);
      str(v.value);
      if (!compat) str(v.filename);
    }
  };
  visit(root);
  const total = stringsOff + stringsLen;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const set64 = (off: number, v: number): void => dv.setBigUint64(off, BigInt(v), true);
  let pos = HWDB_HEADER_SIZE;
  // Post-order: children are written before their parent (trie_store_nodes).
  const store = (n: TrieNode): number => {
    const childOffs = n.children.map((c) => store(c.node));
    const at = pos;
    const prefixOff = stringsOff + str(n.prefix);
    set64(at, prefixOff);
    out[at + 8] = n.children.length;
    set64(at + 16, n.values.length);
    pos += HWDB_NODE_SIZE;
    n.children.forEach((c, k) => {
      out[pos] = c.c;
      set64(pos + 8, childOffs[k]!);
      pos += HWDB_CHILD_SIZE;
    });
    for (const v of n.values) {
      set64(pos, stringsOff + str(v.key));
      set64(pos + 8, stringsOff + str(v.value));
      if (!compat) {
        set64(pos + 16, stringsOff + str(v.filename));
        dv.setUint32(pos + 24, v.line, true);
        dv.setUint16(pos + 28, v.priority, true);
      }
      pos += valueSize;
    }
    return at;
  };
  const rootOff = store(root);
  let sp = stringsOff;
  for (const part of stringParts) {
    for (let i = 0; i < part.length; i++) out[sp + i] = part.charCodeAt(i) & 0xff;
    sp += part.length;
  }
  for (let i = 0; i < 8; i++) out[i] = HWDB_SIGNATURE.charCodeAt(i);
  set64(8, options.toolVersion ?? 252);
  set64(16, total);
  set64(24, HWDB_HEADER_SIZE);
  set64(32, HWDB_NODE_SIZE);
  set64(40, HWDB_CHILD_SIZE);
  set64(48, valueSize);
  set64(56, rootOff);
  set64(64, nodesLen);
  set64(72, stringsLen);
  return { bytes: out, warnings };
}

/**
 * conf_files_list() order for .hwdb files: by base name; for the same base name the first
 * directory given wins (/etc/udev/hwdb.d over /usr/lib/udev/hwdb.d).
 */
export function hwdbFileOrder(paths: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const p of paths) {
    if (!p.endsWith('.hwdb')) continue;
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (!byName.has(name)) byName.set(name, p);
  }
  return [...byName.keys()].sort(cmpStr).map((n) => byName.get(n)!);
}
