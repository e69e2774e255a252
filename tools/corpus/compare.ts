/**
 * Compare an engine's conformance records with the oracle's, with the semantics of the shared
 * `tools/udev-oracle/compare.py` (per event index: properties/symlinks/devnodes/names/diags as
 * multisets, RUN entries ordered by index, attr/sysctl writes in order; trace/exec and unknown
 * kinds ignored; the two recording artefacts dropped unless `strict`).
 *
 * One addition for systemd's corpus: an event whose oracle record has a non-zero `exit`
 * (udevadm 252 segfaults after the rules ran, e.g. on `TAG=""`) has no property or RUN records
 * in the recording, so those two kinds are not compared for that event (`crashedEvents`).
 */

/** A record as parsed from JSON lines: only `kind` (and usually `event`) is guaranteed. */
export type LooseRecord = Readonly<Record<string, unknown>> & { readonly kind: string };

export const comparedKinds = ['event', 'property', 'run', 'symlink', 'devnode', 'name', 'attr_write', 'sysctl_write', 'diag'] as const;
export type ComparedKind = (typeof comparedKinds)[number];

const orderedKinds: ReadonlySet<string> = new Set(['attr_write', 'sysctl_write']);
const renameArtefact = /Failed to rename network interface/;

export interface Mismatch {
  readonly kind: ComparedKind;
  readonly event: number;
  /** Human-readable lines: "missing: …", "unexpected: …", or expected/actual lists. */
  readonly lines: readonly string[];
}

export interface CompareOptions {
  /** Keep the oracle's recording artefacts (rename failure diag, devnode on remove). */
  readonly strict?: boolean;
}

export interface CompareResult {
  readonly mismatches: readonly Mismatch[];
  /** Event indexes whose recording has exit != 0 (property/run not compared there). */
  readonly crashedEvents: readonly number[];
}

type Key = readonly unknown[];

function toInt(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return v;
}

/** "0660", "660" or 0o660 → "0660" (as compare.py). */
export function normaliseMode(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return v.toString(8).padStart(4, '0');
  if (typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v.trim())) {
    return Number.parseInt(v.trim(), 8).toString(8).padStart(4, '0');
  }
  return v;
}

function keyOf(r: LooseRecord): Key | undefined {
  switch (r.kind) {
    case 'event':
      return [r['action'], r['devpath']];
    case 'property':
      return [r['key'], r['value']];
    case 'run':
      return [toInt(r['index']), r['cmd']];
    case 'symlink':
      return [r['path'], r['target']];
    case 'devnode':
      return [r['path'], normaliseMode(r['mode']), r['owner'], r['group'], toInt(r['major']), toInt(r['minor']), r['type']];
    case 'name':
      return [r['value']];
    case 'attr_write':
      return [r['path'], r['value']];
    case 'sysctl_write':
      return [r['key'], r['value']];
    case 'diag':
      return [r['level'], r['file'] ?? null, toInt(r['line'] ?? null)];
    default:
      return undefined;
  }
}

function eventOf(r: LooseRecord): number {
  const e = toInt(r['event'] ?? 0);
  return typeof e === 'number' ? e : 0;
}

type Grouped = Map<ComparedKind, Map<number, Key[]>>;

function group(records: readonly LooseRecord[], strict: boolean, skip: (kind: string, ev: number) => boolean): Grouped {
  const actions = new Map<number, unknown>();
  for (const r of records) if (r.kind === 'event') actions.set(eventOf(r), r['action']);
  const out: Grouped = new Map(comparedKinds.map((k) => [k, new Map<number, Key[]>()]));
  for (const r of records) {
    const byEvent = out.get(r.kind as ComparedKind);
    if (!byEvent) continue;
    const ev = eventOf(r);
    if (skip(r.kind, ev)) continue;
    if (!strict) {
      if (r.kind === 'diag' && renameArtefact.test(String(r['msg'] ?? ''))) continue;
      if (r.kind === 'devnode' && actions.get(ev) === 'remove') continue;
    }
    const key = keyOf(r);
    if (!key) continue;
    let list = byEvent.get(ev);
    if (!list) byEvent.set(ev, (list = []));
    list.push(key);
  }
  return out;
}

/** Render a key the way compare.py prints it. */
export function formatKey(kind: ComparedKind, t: Key): string {
  const s = (v: unknown): string => (v === null || v === undefined ? 'None' : String(v));
  switch (kind) {
    case 'property':
      return `${s(t[0])}=${s(t[1])}`;
    case 'run':
      return `[${s(t[0])}] ${s(t[1])}`;
    case 'symlink':
      return `${s(t[0])} -> ${s(t[1])}`;
    case 'devnode':
      return `${s(t[0])} mode=${s(t[1])} owner=${s(t[2])} group=${s(t[3])} ${s(t[6])} ${s(t[4])}:${s(t[5])}`;
    case 'name':
      return s(t[0]);
    case 'attr_write':
    case 'sysctl_write':
      return `${s(t[0])} <- ${JSON.stringify(t[1])}`;
    case 'diag':
      return `${s(t[0])} at ${s(t[1])}:${s(t[2])}`;
    case 'event':
      return `${s(t[0])} ${s(t[1])}`;
  }
}

const keyId = (k: Key): string => JSON.stringify(k);

function sortedIds(list: readonly Key[]): string[] {
  return list.map(keyId).sort();
}

function compareKeyLists(a: Key, b: Key): number {
  const x = a[0];
  const y = b[0];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

/** Compare expected (oracle) with actual (engine) records. */
export function compareRecords(expected: readonly LooseRecord[], actual: readonly LooseRecord[], options: CompareOptions = {}): CompareResult {
  const strict = options.strict ?? false;
  const crashed = new Set<number>();
  for (const r of expected) {
    if (r.kind === 'event' && typeof r['exit'] === 'number' && r['exit'] !== 0) crashed.add(eventOf(r));
  }
  const skip = (kind: string, ev: number): boolean => crashed.has(ev) && (kind === 'property' || kind === 'run' || kind === 'devnode');
  const exp = group(expected, strict, skip);
  const act = group(actual, strict, skip);
  const mismatches: Mismatch[] = [];
  for (const kind of comparedKinds) {
    const eBy = exp.get(kind)!;
    const aBy = act.get(kind)!;
    const events = [...new Set([...eBy.keys(), ...aBy.keys()])].sort((x, y) => x - y);
    for (const ev of events) {
      const e = eBy.get(ev) ?? [];
      const a = aBy.get(ev) ?? [];
      const lines: string[] = [];
      if (kind === 'run' || orderedKinds.has(kind)) {
        const es = kind === 'run' ? [...e].sort(compareKeyLists) : e;
        const as = kind === 'run' ? [...a].sort(compareKeyLists) : a;
        if (JSON.stringify(es) !== JSON.stringify(as)) {
          lines.push(kind === 'run' ? 'expected:' : 'expected (in order):');
          lines.push(...(es.length ? es.map((t) => '    ' + formatKey(kind, t)) : ['    (none)']));
          lines.push(kind === 'run' ? 'actual:' : 'actual (in order):');
          lines.push(...(as.length ? as.map((t) => '    ' + formatKey(kind, t)) : ['    (none)']));
        }
      } else {
        const counts = new Map<string, number>();
        for (const id of sortedIds(e)) counts.set(id, (counts.get(id) ?? 0) + 1);
        const extra: string[] = [];
        for (const id of sortedIds(a)) {
          const n = counts.get(id) ?? 0;
          if (n > 0) counts.set(id, n - 1);
          else extra.push(id);
        }
        const missing: string[] = [];
        for (const [id, n] of counts) for (let i = 0; i < n; i++) missing.push(id);
        for (const id of missing.sort()) lines.push('missing:    ' + formatKey(kind, JSON.parse(id) as Key));
        for (const id of extra.sort()) lines.push('unexpected: ' + formatKey(kind, JSON.parse(id) as Key));
      }
      if (lines.length > 0) mismatches.push({ kind, event: ev, lines });
    }
  }
  return { mismatches, crashedEvents: [...crashed].sort((x, y) => x - y) };
}

/** Parse JSON lines into records; malformed lines are reported in `errors`. */
export function parseJsonLines(text: string, label: string): { records: LooseRecord[]; errors: string[] } {
  const records: LooseRecord[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      errors.push(`${label}:${i + 1}: invalid JSON (${(e as Error).message})`);
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { kind?: unknown }).kind !== 'string') {
      errors.push(`${label}:${i + 1}: not an object with a "kind"`);
      return;
    }
    records.push(v as LooseRecord);
  });
  return { records, errors };
}

/** compare.py's report text for a list of mismatches. */
export function formatMismatches(mismatches: readonly Mismatch[]): string {
  const out: string[] = [];
  for (const m of mismatches) {
    const listKind = m.kind === 'run' || orderedKinds.has(m.kind);
    out.push(`[${m.kind}] event ${m.event}: ` + (listKind ? 'list differs' : `${m.lines.length} difference(s)`));
    for (const l of m.lines) out.push('    ' + l);
  }
  return out.join('\n');
}
