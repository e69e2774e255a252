/**
 * The conformance comparison of shared/conformance/udev/README.md (a TypeScript port of the
 * rules of tools/udev-oracle/compare.py): per event index, properties/symlinks/devnodes/names/
 * diags as multisets, RUN by index, attr/sysctl writes in order; trace, exec, unknown kinds and
 * extra fields ignored; the rename-failure diag and devnode records of remove events dropped
 * on both sides unless strict.
 */

type Rec = Record<string, unknown>;

const kindOrder = ['event', 'property', 'run', 'symlink', 'devnode', 'name', 'attr_write', 'sysctl_write', 'diag'] as const;
type Kind = (typeof kindOrder)[number];
const ordered: ReadonlySet<Kind> = new Set(['run', 'attr_write', 'sysctl_write']);

function asInt(v: unknown): unknown {
  if (typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return v;
}

function asMode(v: unknown): unknown {
  if (typeof v === 'boolean' || v === null || v === undefined) return v;
  if (typeof v === 'number') return v.toString(8).padStart(4, '0');
  if (typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v.trim())) return Number.parseInt(v.trim(), 8).toString(8).padStart(4, '0');
  return v;
}

/** The compared fields of a record, as a comparable string key. */
function keyOf(r: Rec): string | undefined {
  const g = (k: string): unknown => r[k];
  let t: unknown[];
  switch (r.kind) {
    case 'event':
      t = [g('action'), g('devpath')];
      break;
    case 'property':
      t = [g('key'), g('value')];
      break;
    case 'run':
      t = [asInt(g('index')), g('cmd')];
      break;
    case 'symlink':
      t = [g('path'), g('target')];
      break;
    case 'devnode':
      t = [g('path'), asMode(g('mode')), g('owner'), g('group'), asInt(g('major')), asInt(g('minor')), g('type')];
      break;
    case 'name':
      t = [g('value')];
      break;
    case 'attr_write':
      t = [g('path'), g('value')];
      break;
    case 'sysctl_write':
      t = [g('key'), g('value')];
      break;
    case 'diag':
      t = [g('level'), g('file'), asInt(g('line'))];
      break;
    default:
      return undefined;
  }
  return JSON.stringify(t);
}

/** Parse JSON lines; bad lines are reported as errors. */
export function parseJsonLines(text: string): { records: Rec[]; errors: string[] } {
  const records: Rec[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line) as unknown;
      if (typeof r !== 'object' || r === null || !('kind' in r)) errors.push(`line ${i + 1}: not an object with a 'kind'`);
      else records.push(r as Rec);
    } catch (e) {
      errors.push(`line ${i + 1}: invalid JSON (${(e as Error).message})`);
    }
  });
  return { records, errors };
}

type Grouped = Map<Kind, Map<number, string[]>>;

function group(recs: readonly Rec[], strict: boolean): Grouped {
  const actions = new Map<number, unknown>();
  for (const r of recs) if (r.kind === 'event') actions.set(Number(asInt(r.event ?? 0)), r.action);
  const out: Grouped = new Map(kindOrder.map((k) => [k, new Map()]));
  for (const r of recs) {
    const kind = r.kind as Kind;
    if (!out.has(kind)) continue;
    const ev = Number(asInt(r.event ?? 0));
    if (!strict) {
      if (kind === 'diag' && /Failed to rename network interface/.test(String(r.msg ?? ''))) continue;
      if (kind === 'devnode' && actions.get(ev) === 'remove') continue;
    }
    const byEvent = out.get(kind)!;
    const list = byEvent.get(ev) ?? [];
    list.push(keyOf(r)!);
    byEvent.set(ev, list);
  }
  return out;
}

/** One difference: kind, event index and human-readable lines. */
export interface Mismatch {
  readonly kind: string;
  readonly event: number;
  readonly messages: readonly string[];
}

/** Compare actual records with expected ones; an empty result means they agree. */
export function compareRecords(expected: readonly Rec[], actual: readonly Rec[], strict = false): Mismatch[] {
  const e = group(expected, strict);
  const a = group(actual, strict);
  const problems: Mismatch[] = [];
  for (const kind of kindOrder) {
    const eBy = e.get(kind)!;
    const aBy = a.get(kind)!;
    const events = [...new Set([...eBy.keys(), ...aBy.keys()])].sort((x, y) => x - y);
    for (const ev of events) {
      const el = eBy.get(ev) ?? [];
      const al = aBy.get(ev) ?? [];
      const msgs: string[] = [];
      if (kind === 'run' || ordered.has(kind)) {
        const sortRun = (l: string[]): string[] =>
          kind === 'run' ? [...l].sort((x, y) => (JSON.parse(x)[0] as number) - (JSON.parse(y)[0] as number)) : l;
        const es = sortRun(el);
        const as = sortRun(al);
        if (es.length !== as.length || es.some((v, i) => v !== as[i])) {
          msgs.push('expected:', ...es.map((x) => '    ' + x), 'actual:', ...as.map((x) => '    ' + x));
        }
      } else {
        const count = new Map<string, number>();
        for (const x of el) count.set(x, (count.get(x) ?? 0) + 1);
        for (const x of al) count.set(x, (count.get(x) ?? 0) - 1);
        for (const [x, c] of [...count.entries()].sort()) {
          for (let i = 0; i < c; i++) msgs.push('missing:    ' + x);
          for (let i = 0; i < -c; i++) msgs.push('unexpected: ' + x);
        }
      }
      if (msgs.length) problems.push({ kind, event: ev, messages: msgs });
    }
  }
  return problems;
}

/** Mismatches as text, for test failure messages. */
export function formatMismatches(problems: readonly Mismatch[]): string {
  return problems.map((p) => `[${p.kind}] event ${p.event}:\n` + p.messages.map((m) => '    ' + m).join('\n')).join('\n');
}
