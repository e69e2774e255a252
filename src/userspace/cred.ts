/**
 * Credentials and the permission check of a path walk (fs/namei.c generic_permission): the
 * owner, group or other bits by identity, then CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, as the
 * kernel grants root's bypass. kernfs adds its own refusal on top (see vfs.ts).
 */
import { kerr } from '../base/index.js';
import type { Capability } from './capabilities.js';

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary group ids. */
  readonly groups: readonly number[];
  readonly caps: ReadonlySet<Capability>;
}

export const MAY_READ = 4;
export const MAY_WRITE = 2;
export const MAY_EXEC = 1;

export function inGroup(cred: Credentials, gid: number): boolean {
  return cred.gid === gid || cred.groups.includes(gid);
}

/**
 * generic_permission: may `cred` access a file of `mode`/`uid`/`gid` with `mask`
 * (MAY_READ | MAY_WRITE)? Throws EACCES.
 */
export function checkPermission(
  cred: Credentials,
  inode: { readonly mode: number; readonly uid: number; readonly gid: number; readonly isDir?: boolean },
  mask: number,
  what: string,
): void {
  let bits: number;
  if (cred.uid === inode.uid) bits = (inode.mode >> 6) & 7;
  else if (inGroup(cred, inode.gid)) bits = (inode.mode >> 3) & 7;
  else bits = inode.mode & 7;
  if ((bits & mask) === mask) return;
  // capable_wrt_inode_uidgid: DAC override for read/write of anything; exec needs an x bit.
  if (cred.caps.has('CAP_DAC_OVERRIDE')) {
    if (!(mask & MAY_EXEC) || inode.isDir || inode.mode & 0o111) return;
  }
  if (cred.caps.has('CAP_DAC_READ_SEARCH')) {
    if (mask === MAY_READ || (inode.isDir && !(mask & MAY_WRITE))) return;
  }
  throw kerr('EACCES', `${what}: Permission denied`);
}
