/**
 * A process identity written with names, as a scenario file or a login does: supplementary
 * groups by name (looked up in the machine's /etc/group, Debian's base set) and capabilities by
 * `CAP_*` name or `'all'`. Resolved into the numeric ProcessSpec the process table spawns.
 */
import { debianPasswd, kerr } from '../base/index.js';
import { type Capability, allCapabilities, isCapability } from './capabilities.js';
import type { ProcessSpec } from './process.js';

export interface NamedProcessSpec {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary group names. */
  readonly groups: readonly string[];
  /** `CAP_*` names, or every capability. */
  readonly caps: readonly string[] | 'all';
}

const passwd = debianPasswd();

/** @throws {DriverModelError} EINVAL for an unknown group or capability name. */
export function resolveProcessSpec(spec: NamedProcessSpec): ProcessSpec {
  const groups = spec.groups.map((g) => {
    const entry = passwd.groupByName(g);
    if (!entry) throw kerr('EINVAL', `unknown group '${g}'`);
    return entry.gid;
  });
  let caps: readonly Capability[];
  if (spec.caps === 'all') caps = allCapabilities;
  else {
    for (const c of spec.caps) if (!isCapability(c)) throw kerr('EINVAL', `unknown capability '${c}'`);
    caps = spec.caps as Capability[];
  }
  return { uid: spec.uid, gid: spec.gid, groups, caps };
}
