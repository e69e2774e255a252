/**
 * systemd.link files as net_setup_link reads them (src/udev/net/link-config.c, 252): parsing,
 * [Match] evaluation, and the name NamePolicy/Name= choose (link_generate_new_name), the
 * alternative names of AlternativeNamesPolicy/AlternativeName= and the MACAddressPolicy.
 *
 * Files are taken in the order given (the caller sorts /etc, /run, /usr/lib by file name, the
 * first directory winning a name); the first file whose [Match] matches is the config. A file
 * whose [Match] has no condition is ignored (252 requires e.g. OriginalName=*). Match keys:
 * MACAddress=, PermanentMACAddress=, OriginalName=, Path=, Driver=, Type=, Kind=, Property=
 * (globs as fnmatch, space-separated lists, `!` negates a list); Host=, Virtualization=,
 * KernelCommandLine=, KernelVersion=, Architecture= are conditions this model treats as not met.
 */
import { glibcFnmatch } from '../rules/fnmatch.js';
import type { LinkFileInput } from './builtin.js';

export interface LinkConfig {
  readonly filename: string;
  readonly match: ReadonlyMap<string, readonly string[]>;
  readonly namePolicy: readonly string[] | undefined;
  readonly name: string | undefined;
  readonly alternativeNamesPolicy: readonly string[];
  readonly alternativeNames: readonly string[];
  readonly macAddressPolicy: string | undefined;
  readonly macAddress: string | undefined;
}

/** What a link looks like to [Match]. */
export interface LinkFacts {
  readonly ifname: string;
  readonly mac: string | undefined;
  readonly permanentMac: string | undefined;
  readonly path: string | undefined;
  readonly driver: string | undefined;
  readonly type: string;
  readonly kind: string | undefined;
  readonly property: (key: string) => string | undefined;
}

const MATCH_KEYS = [
  'MACAddress',
  'PermanentMACAddress',
  'OriginalName',
  'Path',
  'Driver',
  'Type',
  'Kind',
  'Property',
  'Host',
  'Virtualization',
  'KernelCommandLine',
  'KernelVersion',
  'Architecture',
];

/** Parse one .link file (INI: sections, Key=Value, # and ; comments, later list entries append). */
export function parseLinkFile(file: LinkFileInput): LinkConfig | undefined {
  const match = new Map<string, string[]>();
  const link = new Map<string, string[]>();
  let section = '';
  for (let raw of file.text.split('\n')) {
    raw = raw.replace(/\r$/, '').trim();
    if (raw.length === 0 || raw[0] === '#' || raw[0] === ';') continue;
    if (raw.startsWith('[') && raw.endsWith(']')) {
      section = raw.slice(1, -1);
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    const target = section === 'Match' ? match : section === 'Link' ? link : undefined;
    if (!target) continue;
    // An empty assignment resets the list.
    if (value.length === 0) target.set(key, []);
    else target.set(key, [...(target.get(key) ?? []), ...value.split(/\s+/)]);
  }
  if (![...match.keys()].some((k) => MATCH_KEYS.includes(k) && (match.get(k)?.length ?? 0) > 0)) return undefined;
  const last = (k: string): string | undefined => link.get(k)?.at(-1);
  return {
    filename: file.path,
    match,
    namePolicy: link.get('NamePolicy'),
    name: last('Name'),
    alternativeNamesPolicy: link.get('AlternativeNamesPolicy') ?? [],
    alternativeNames: link.get('AlternativeName') ?? [],
    macAddressPolicy: last('MACAddressPolicy'),
    macAddress: last('MACAddress'),
  };
}

/** A glob list with optional leading `!`: any match (none, when negated). */
function globList(patterns: readonly string[], value: string | undefined): boolean {
  if (patterns.length === 0) return true;
  const neg = patterns[0]!.startsWith('!');
  const pats = neg ? [patterns[0]!.slice(1), ...patterns.slice(1)].filter((p) => p.length > 0) : patterns;
  const hit = value !== undefined && pats.some((p) => glibcFnmatch(p, value));
  return neg ? !hit && value !== undefined : hit;
}

/** net_match_config(). */
export function linkMatches(cfg: LinkConfig, link: LinkFacts): boolean {
  for (const [key, values] of cfg.match) {
    if (values.length === 0) continue;
    switch (key) {
      case 'MACAddress':
        if (!values.some((v) => v.toLowerCase() === link.mac?.toLowerCase())) return false;
        break;
      case 'PermanentMACAddress':
        if (!values.some((v) => v.toLowerCase() === link.permanentMac?.toLowerCase())) return false;
        break;
      case 'OriginalName':
        if (!globList(values, link.ifname)) return false;
        break;
      case 'Path':
        if (!globList(values, link.path)) return false;
        break;
      case 'Driver':
        if (!globList(values, link.driver)) return false;
        break;
      case 'Type':
        if (!globList(values, link.type)) return false;
        break;
      case 'Kind':
        if (!globList(values, link.kind)) return false;
        break;
      case 'Property':
        for (const v of values) {
          const eq = v.indexOf('=');
          const k = eq < 0 ? v : v.slice(0, eq);
          const want = eq < 0 ? undefined : v.slice(eq + 1);
          const have = link.property(k);
          if (have === undefined || (want !== undefined && !glibcFnmatch(want, have))) return false;
        }
        break;
      default:
        // Host=, Virtualization=, KernelCommandLine=, … conditions: not modelled, not met.
        return false;
    }
  }
  return true;
}

/** NET_NAME_* (name_assign_type). */
const NET_NAME_PREDICTABLE = 2;
const NET_NAME_USER = 3;
const NET_NAME_RENAMED = 4;

/** ifname_valid(): 1–15 bytes, not "." or "..", no '/', ':', whitespace or '%'. */
function ifnameValid(s: string | undefined): s is string {
  if (s === undefined || s.length === 0 || s.length >= 16 || s === '.' || s === '..') return false;
  for (const c of s) if (c <= ' ' || c > '~' || c === '/' || c === ':' || c === '%') return false;
  return true;
}

const POLICY_PROPERTY: Readonly<Record<string, string>> = {
  database: 'ID_NET_NAME_FROM_DATABASE',
  onboard: 'ID_NET_NAME_ONBOARD',
  slot: 'ID_NET_NAME_SLOT',
  path: 'ID_NET_NAME_PATH',
  mac: 'ID_NET_NAME_MAC',
};

/**
 * link_generate_new_name(): the first usable name of NamePolicy (kernel: keep a predictable
 * kernel name; keep: keep a userspace name), else Name=, else the current name. Only on add;
 * a name already given by userspace is kept (ALLOW_RERENAMES is in every 252 scheme, so that
 * check never applies there).
 */
export function generateNewName(
  cfg: LinkConfig,
  link: {
    ifname: string;
    action: string;
    nameAssignType: number | undefined;
    property: (k: string) => string | undefined;
    namePolicyEnabled: boolean;
  },
): string {
  if (link.action !== 'add') return link.ifname;
  if (link.namePolicyEnabled && cfg.namePolicy) {
    for (const p of cfg.namePolicy) {
      if (p === 'kernel') {
        if (link.nameAssignType !== NET_NAME_PREDICTABLE) continue;
        return link.ifname;
      }
      if (p === 'keep') {
        if (link.nameAssignType !== NET_NAME_USER && link.nameAssignType !== NET_NAME_RENAMED) continue;
        return link.ifname;
      }
      const prop = POLICY_PROPERTY[p];
      const name = prop ? link.property(prop) : undefined;
      if (ifnameValid(name)) return name;
    }
  }
  if (cfg.name !== undefined) return cfg.name;
  return link.ifname;
}

/** link_generate_alternative_names(): the policy's names then AlternativeName=, deduplicated, not the new name. */
export function alternativeNames(cfg: LinkConfig, newName: string, property: (k: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const p of cfg.alternativeNamesPolicy) {
    const prop = POLICY_PROPERTY[p];
    const n = prop ? property(prop) : undefined;
    if (n !== undefined && n.length > 0 && n.length < 128 && !out.includes(n)) out.push(n);
  }
  for (const n of cfg.alternativeNames) if (!out.includes(n)) out.push(n);
  return out.filter((n) => n !== newName);
}
