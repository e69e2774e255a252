/**
 * The bridge between the YAML document and the schema: converts the parsed document to plain
 * values the schema validates, keeping the source text of every plain (unquoted) non-string
 * scalar, and maps a path in those values back to a line and column of the file. Hex such as
 * `payload: 00112233` and strings such as `value: 0660` survive as their source text.
 */
import { type Document, LineCounter, type Node, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

/** A plain scalar YAML resolved to a number, bigint or boolean; `source` is its text as written. */
export class PlainScalar {
  constructor(
    readonly value: number | bigint | boolean,
    readonly source: string,
  ) {}
}

/** A path into the converted values: map keys (as written) and list indexes. */
export type SourcePath = readonly (string | number)[];

/** Where a diagnostic points: the node itself, or the key of the map entry it is the value of. */
export type SourceAnchor = 'value' | 'key';

export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** A problem found while reading, with the node it is about. */
export interface PathIssue {
  readonly path: SourcePath;
  readonly message: string;
  readonly anchor: SourceAnchor;
}

export interface ParsedSource {
  /** The converted document, or undefined when it did not parse. */
  readonly value: unknown;
  /** Syntax errors (with positions) and conversion problems (with paths). */
  readonly syntaxErrors: readonly (SourcePosition & { message: string })[];
  readonly conversionIssues: readonly PathIssue[];
  /** Line and column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: SourcePath, anchor: SourceAnchor): SourcePosition;
}

/** Parses `text` and converts it; never throws. */
export function parseSource(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const locate = (path: SourcePath, anchor: SourceAnchor): SourcePosition => {
    const offset = offsetOf(doc, path, anchor);
    return at(offset ?? firstContentOffset(text));
  };
  const syntaxErrors = doc.errors.map((e) => ({
    ...at(e.pos[0]),
    message: e.code === 'MULTIPLE_DOCS' ? 'YAML syntax: a scenario file holds one document (no second ---)' : yamlMessage(e.message),
  }));
  if (syntaxErrors.length > 0) return { value: undefined, syntaxErrors, conversionIssues: [], locate };
  const conversionIssues: PathIssue[] = [];
  const value = convert(doc, doc.contents, [], conversionIssues, text, 0);
  return { value, syntaxErrors: [], conversionIssues, locate };
}

/** yaml's messages carry no position when prettyErrors is off; keep the first line only. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return `YAML syntax: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function firstContentOffset(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : 0;
}

function convert(doc: Document, node: unknown, path: SourcePath, issues: PathIssue[], text: string, depth: number): unknown {
  if (node === null || node === undefined) return null;
  if (depth > 64) {
    issues.push({ path, message: 'nested too deeply (aliases that refer to themselves?)', anchor: 'value' });
    return null;
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined) {
      issues.push({ path, message: `unresolved alias *${node.source}`, anchor: 'value' });
      return null;
    }
    return convert(doc, target, path, issues, text, depth + 1);
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined || typeof v === 'string') return v ?? null;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      const range = node.range;
      const source = range ? text.slice(range[0], range[1]).trim() : String(v);
      return new PlainScalar(v, source);
    }
    return String(v);
  }
  if (isSeq(node)) return node.items.map((item, i) => convert(doc, item, [...path, i], issues, text, depth + 1));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
        issues.push({ path, message: 'map keys must be plain scalars', anchor: 'value' });
        continue;
      }
      const name = keyText(key);
      out[name] = convert(doc, pair.value, [...path, name], issues, text, depth + 1);
    }
    return out;
  }
  return null;
}

/** A map key as written: a string key's value, any other scalar's source text. */
function keyText(key: Node): string {
  if (!isScalar(key)) return '';
  return typeof key.value === 'string' ? key.value : (key.source ?? String(key.value));
}

/** Offset of the node at `path` (or of its key), falling back to the nearest ancestor. */
function offsetOf(doc: Document, path: SourcePath, anchor: SourceAnchor): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = startOf(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && keyText(p.key) === String(seg));
      if (!pair) return best;
      if (last && anchor === 'key') return startOf(pair.key) ?? best;
      node = pair.value;
      // `key:` with no value: point at the key.
      best = startOf(node) ?? startOf(pair.key) ?? best;
      if (node === null || node === undefined) return best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return best;
      node = item;
      best = startOf(node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function startOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] }).range;
    return range?.[0];
  }
  return undefined;
}
