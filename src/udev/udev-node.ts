/**
 * /dev handling after the rules (twin of udev-node.c): device node permissions (GROUP without
 * MODE upgrades to 0660), devlink claims with link priority (highest wins, a tie keeps the
 * current owner), relative symlink targets, removal of links a device no longer claims, and
 * the /dev/{char,block}/MAJ:MIN link. Link claims live in the UdevDatabase (/run/udev/links).
 */
import { DriverModelError } from '../base/index.js';
import type { UdevDatabase } from './database.js';
import type { UdevDevice } from './device.js';
import { type DiagnosticSink, deviceDiagnostic, strerrorName, type LogLevel } from './diagnostics.js';
import { dirName, isNormalizedPath, relativePath, simplifyPath } from './sources/sysfs-access.js';
import type { DevFs } from './sources/sysfs-source.js';

/** What node handling needs from its surroundings. */
export interface NodeContext {
  readonly devfs: DevFs;
  readonly db: UdevDatabase;
  readonly sink: DiagnosticSink;
}

type Result = undefined | string; // undefined: ok; string: errno name

function log(ctx: NodeContext, dev: UdevDevice, level: LogLevel, message: string): void {
  if (level === 'debug' && !ctx.sink.debug) return;
  ctx.sink.emit(deviceDiagnostic(level, dev.sysname, null, null, message));
}

function errnoOf(e: unknown): string {
  return DriverModelError.is(e) ? e.errno : 'EIO';
}

/** node_symlink(): point `slink` at `devnode` with a relative target. */
function nodeSymlink(ctx: NodeContext, dev: UdevDevice, devnode: string, slink: string): Result {
  // A name ending in '/' cannot be created as a symlink (symlink_atomic fails with ENOTDIR).
  if (slink.endsWith('/')) {
    log(ctx, dev, 'debug', `Failed to create symlink '${slink}' to '${devnode}': Not a directory`);
    return 'ENOTDIR';
  }
  const path = simplifyPath(slink);
  const st = ctx.devfs.lstat(path);
  if (st && st.type !== 'link') {
    log(ctx, dev, 'debug', `Conflicting inode '${slink}' found, symlink to '${devnode}' will not be created.`);
    return 'EEXIST';
  }
  const target = relativePath(dirName(path), simplifyPath(devnode));
  try {
    ctx.devfs.symlink(target, path);
  } catch (e) {
    const errno = errnoOf(e);
    log(ctx, dev, 'debug', `Failed to create symlink '${slink}' to '${devnode}': ${strerrorName(errno)}`);
    return errno;
  }
  if (ctx.sink.debug) log(ctx, dev, 'debug', `Successfully created symlink '${slink}' to '${devnode}'`);
  return undefined;
}

/** stack_directory_get_name(): the claim key of a link, or undefined for links udev refuses. */
function stackName(slink: string): string | undefined {
  const s = simplifyPath(slink);
  if (!isNormalizedPath(s)) return undefined;
  if (!s.startsWith('/dev')) return undefined;
  const rest = s.slice(4);
  if (rest.length > 0 && rest[0] !== '/') return undefined;
  const name = rest.replace(/^\/+/, '');
  if (name.length === 0) return undefined;
  return name;
}

/** link_update(): register/unregister this device's claim on `slink` and fix the link. */
function linkUpdate(ctx: NodeContext, dev: UdevDevice, slink: string, add: boolean): Result {
  const name = stackName(slink);
  if (name === undefined) return 'EINVAL';
  const id = dev.deviceId;
  if (id === undefined) return 'ENODEV';
  const devname = dev.getDevname();
  if (add) {
    if (devname === undefined) return 'ENOENT';
    ctx.db.updateLinkClaim(name, id, { priority: dev.devlinkPriority, devnode: devname });
  } else ctx.db.updateLinkClaim(name, id, undefined);
  // The owner: this device when adding, unless another claimant has a strictly higher priority.
  let devnode = add ? devname : undefined;
  let priority = add ? dev.devlinkPriority : 0;
  for (const [otherId, claim] of ctx.db.linkClaims(name)) {
    if (otherId === id) continue;
    // A claim whose node is gone is ignored (it is dropped on that device's remove event).
    if (!ctx.devfs.lstat(claim.devnode)) continue;
    if (devnode !== undefined && claim.priority <= priority) continue;
    devnode = claim.devnode;
    priority = claim.priority;
  }
  if (devnode !== undefined) return nodeSymlink(ctx, dev, devnode, slink);
  if (ctx.sink.debug) log(ctx, dev, 'debug', `No reference left for '${slink}', removing`);
  try {
    ctx.devfs.unlink(simplifyPath(slink));
  } catch (e) {
    log(ctx, dev, 'debug', `Failed to remove '${slink}', ignoring: ${strerrorName(errnoOf(e))}`);
  }
  return undefined;
}

/** /dev/{char,block}/MAJ:MIN of a device. */
function devnumPath(dev: UdevDevice): string | undefined {
  const dn = dev.getDevnum();
  if (!dn || dev.subsystem === undefined) return undefined;
  return `/dev/${dev.subsystem === 'block' ? 'block' : 'char'}/${dn.major}:${dn.minor}`;
}

/** udev_node_update(): drop links the device no longer claims, (re)create its links and /dev/char. */
export function nodeUpdate(ctx: NodeContext, dev: UdevDevice, devOld: UdevDevice): void {
  for (const link of devOld.getDevlinks()) {
    if (dev.devlinksRead.has(link)) continue;
    if (ctx.sink.debug) log(ctx, dev, 'debug', `Removing/updating old device symlink '${link}', which is no longer belonging to this device.`);
    const r = linkUpdate(ctx, dev, link, false);
    if (r) log(ctx, dev, 'warning', `Failed to remove/update device symlink '${link}', ignoring: ${strerrorName(r)}`);
  }
  for (const link of dev.devlinksRead) {
    const r = linkUpdate(ctx, dev, link, true);
    if (r) log(ctx, dev, 'warning', `Failed to create/update device symlink '${link}', ignoring: ${strerrorName(r)}`);
  }
  const filename = devnumPath(dev);
  if (filename === undefined) return;
  const devname = dev.getDevname();
  if (devname === undefined) return;
  const r = nodeSymlink(ctx, dev, devname, filename);
  if (r) log(ctx, dev, 'warning', `Failed to create device symlink '${filename}': ${strerrorName(r)}`);
}

/** udev_node_remove(): give up every link of the device, remove /dev/char/MAJ:MIN. */
export function nodeRemove(ctx: NodeContext, dev: UdevDevice): void {
  for (const link of dev.getDevlinks()) {
    const r = linkUpdate(ctx, dev, link, false);
    if (r) log(ctx, dev, 'warning', `Failed to remove/update device symlink '${link}', ignoring: ${strerrorName(r)}`);
  }
  const filename = devnumPath(dev);
  if (filename === undefined) return;
  try {
    ctx.devfs.unlink(filename);
  } catch (e) {
    log(ctx, dev, 'debug', `Failed to remove '${filename}': ${strerrorName(errnoOf(e))}`);
  }
}

/** The node and its owner and mode as udev_node_apply_permissions() logs them. */
function permDesc(devname: string, uid: number, gid: number, mode: number): string {
  return `${devname}, uid=${uid}, gid=${gid}, mode=0${mode.toString(8)}`;
}

/**
 * udev_node_apply_permissions(): set mode/owner/group of the node when they differ. `mode`,
 * `uid`, `gid` undefined mean "not set by rules"; GROUP (gid > 0) without MODE gives 0660.
 */
export function applyPermissions(
  ctx: NodeContext,
  dev: UdevDevice,
  applyMac: boolean,
  mode: number | undefined,
  uid: number | undefined,
  gid: number | undefined,
): void {
  const devname = dev.getDevname();
  if (devname === undefined) return;
  const st = ctx.devfs.lstat(devname);
  const devnum = dev.getDevnum();
  if (!st || st.type === 'link' || st.type === 'dir' || (devnum && (st.major !== devnum.major || st.minor !== devnum.minor))) {
    log(ctx, dev, 'debug', `Device node ${devname} is missing, skipping handling.`);
    return;
  }
  if (mode === undefined && gid !== undefined && gid > 0) mode = 0o660;
  const applyMode = mode !== undefined && (st.mode & 0o777) !== (mode & 0o777);
  const applyUid = uid !== undefined && st.uid !== uid;
  const applyGid = gid !== undefined && st.gid !== gid;
  // The message's values as found, before any change; its text is made only when it is logged.
  const shownUid = uid ?? st.uid;
  const shownGid = gid ?? st.gid;
  const shownMode = (mode ?? st.mode) & 0o777;
  if (applyMode || applyUid || applyGid) {
    if (ctx.sink.debug) log(ctx, dev, 'debug', `Setting permissions ${permDesc(devname, shownUid, shownGid, shownMode)}`);
    try {
      ctx.devfs.chmodChown(devname, mode === undefined ? undefined : mode & 0o7777, applyUid ? uid : undefined, applyGid ? gid : undefined);
    } catch (e) {
      const errno = errnoOf(e);
      log(
        ctx,
        dev,
        errno === 'ENOENT' ? 'debug' : 'error',
        `Failed to set owner/mode of ${permDesc(devname, shownUid, shownGid, shownMode)}: ${strerrorName(errno)}`,
      );
    }
  } else if (applyMac && ctx.sink.debug) log(ctx, dev, 'debug', `Preserve permissions ${permDesc(devname, shownUid, shownGid, shownMode)}`);
}
