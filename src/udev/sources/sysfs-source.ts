/**
 * The two filesystem views the udev engine works through: `SysfsSource` (every read and write
 * of /sys, /proc/sys and of any other path a rule names in TEST or IMPORT{file}) and `DevFs`
 * (/dev: device nodes and the symlinks udev manages). The engine never touches node:fs; hosts
 * implement these over an in-memory tree, a directory on disk, or the simulated kernel.
 */

/** What lstat(2) reports for a path. */
export type SysfsNodeType = 'file' | 'dir' | 'link';

/** The part of `struct stat` udev looks at. */
export interface SysfsStat {
  readonly type: SysfsNodeType;
  /** Permission bits (`st_mode & 07777`), e.g. 0o644 for a normal attribute, 0o200 for `unbind`. */
  readonly mode: number;
}

/**
 * Read and write access to /sys and /proc/sys, synchronous and side-effect free except for
 * `writeFile`.
 *
 * Contract (what the engine relies on):
 * - Paths are absolute (`/sys/devices/...`, `/proc/sys/net/...`) and are *byte strings*: each
 *   char is one byte (latin1), which for the ASCII names sysfs uses is simply the path. Link
 *   targets and directory entries come back the same way. They may contain `..` components
 *   and symlinks in any but the last component; implementations resolve both physically, as
 *   the kernel's path walk does (a `..` after a symlink goes to the parent of its target).
 * - `lstat` does not follow a symlink in the last component; it returns undefined when the path
 *   does not exist (ENOENT, ENOTDIR).
 * - `readlink` returns the link's target text exactly as stored (relative like
 *   `../../../bus/pci`, or absolute), or undefined when the path is not a symlink.
 * - `readdir` lists the names in a directory (no `.`/`..`), in the implementation's order, or
 *   undefined when the path is not a directory.
 * - `readFile` follows a final symlink and returns the file's bytes. Failures throw
 *   `DriverModelError` with the errno Linux would give (ENOENT, EISDIR, EACCES, EIO, …).
 * - `writeFile` follows a final symlink and stores `data` (udev writes without a trailing
 *   newline, in one write(2) call). Failures throw `DriverModelError` (ENOENT for a missing
 *   attribute, EACCES/EPERM for a read-only one, EINVAL/ENODEV/EBUSY from a store callback).
 *   Writes are done as root.
 */
export interface SysfsSource {
  lstat(path: string): SysfsStat | undefined;
  readlink(path: string): string | undefined;
  readdir(path: string): readonly string[] | undefined;
  readFile(path: string): Uint8Array;
  /**
   * Optional fast path: the same bytes as `readFile` gives, as a byte string, with the same
   * failures. Implementations that can hand out a cached string save the engine a copy and a
   * conversion per read.
   */
  readFileBytes?(path: string): string;
  writeFile(path: string, data: Uint8Array): void;
}

/** A device node in /dev. */
export interface DevNodeEntry {
  readonly type: 'char' | 'block';
  readonly major: number;
  readonly minor: number;
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** What lives at a /dev path. */
export type DevEntry = DevNodeEntry | { readonly type: 'link'; readonly target: string } | { readonly type: 'dir' };

/**
 * /dev as udev sees it: device nodes (created by devtmpfs, never by udev) and symlinks.
 *
 * Contract:
 * - Paths are absolute byte strings like SysfsSource's (`/dev/fwctl/fwctl0`).
 * - `symlink(target, path)` creates missing parent directories and atomically replaces an
 *   existing symlink at `path`; it throws `DriverModelError('EEXIST')` when something other than
 *   a symlink is there. `target` is stored as given (udev passes relative targets).
 * - `unlink(path)` removes a symlink (a missing path is not an error) and then removes parent
 *   directories that became empty, up to but not including /dev (udev's rmdir_parents).
 * - `chmodChown` changes a device node's mode and/or owner; undefined leaves a value as is. It
 *   throws `DriverModelError('ENOENT')` when there is no node.
 * - `list()` returns every node and symlink (not directories), in any order.
 */
export interface DevFs {
  lstat(path: string): DevEntry | undefined;
  symlink(target: string, path: string): void;
  unlink(path: string): void;
  chmodChown(path: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void;
  list(): ReadonlyArray<readonly [path: string, entry: DevEntry]>;
}
