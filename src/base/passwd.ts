/**
 * The users and groups of a simulated Debian bookworm system: base-passwd 3.6.1's master
 * passwd/group files plus the four system groups the `udev` package's postinst adds. udev
 * resolves OWNER=/GROUP= names against these (getpwnam/getgrnam twins). Imports nothing
 * outside src/base.
 */

/** One passwd(5) entry: name, uid, primary gid. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** One group(5) entry. */
export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
}

/** Debian bookworm /usr/share/base-passwd/passwd.master (base-passwd 3.6.1), in file order. */
export const debianBaseUsers: readonly PasswdEntry[] = [
  { name: 'root', uid: 0, gid: 0 }, // superuser
  { name: 'daemon', uid: 1, gid: 1 }, // legacy daemon account
  { name: 'bin', uid: 2, gid: 2 }, // legacy binaries owner
  { name: 'sys', uid: 3, gid: 3 }, // legacy
  { name: 'sync', uid: 4, gid: 65534 }, // runs /bin/sync
  { name: 'games', uid: 5, gid: 60 }, // games
  { name: 'man', uid: 6, gid: 12 }, // man page cache
  { name: 'lp', uid: 7, gid: 7 }, // printing
  { name: 'mail', uid: 8, gid: 8 }, // mail spool
  { name: 'news', uid: 9, gid: 9 }, // news spool
  { name: 'uucp', uid: 10, gid: 10 }, // uucp
  { name: 'proxy', uid: 13, gid: 13 }, // proxy servers
  { name: 'www-data', uid: 33, gid: 33 }, // web servers
  { name: 'backup', uid: 34, gid: 34 }, // backups
  { name: 'list', uid: 38, gid: 38 }, // mailing list manager
  { name: 'irc', uid: 39, gid: 39 }, // ircd
  { name: '_apt', uid: 42, gid: 65534 }, // apt sandbox
  { name: 'nobody', uid: 65534, gid: 65534 }, // unprivileged
];

/** Debian bookworm /usr/share/base-passwd/group.master (base-passwd 3.6.1), in file order. */
export const debianBaseGroups: readonly GroupEntry[] = [
  { name: 'root', gid: 0 }, // superuser
  { name: 'daemon', gid: 1 }, // legacy daemon group
  { name: 'bin', gid: 2 }, // legacy
  { name: 'sys', gid: 3 }, // legacy
  { name: 'adm', gid: 4 }, // log readers
  { name: 'tty', gid: 5 }, // terminals
  { name: 'disk', gid: 6 }, // raw block devices
  { name: 'lp', gid: 7 }, // printers
  { name: 'mail', gid: 8 }, // mail spool
  { name: 'news', gid: 9 }, // news spool
  { name: 'uucp', gid: 10 }, // serial lines (historic)
  { name: 'man', gid: 12 }, // man page cache
  { name: 'proxy', gid: 13 }, // proxy servers
  { name: 'kmem', gid: 15 }, // /dev/mem, /dev/kmem
  { name: 'dialout', gid: 20 }, // serial ports, modems
  { name: 'fax', gid: 21 }, // fax
  { name: 'voice', gid: 22 }, // voice modems
  { name: 'cdrom', gid: 24 }, // optical drives
  { name: 'floppy', gid: 25 }, // floppy drives
  { name: 'tape', gid: 26 }, // tape drives
  { name: 'sudo', gid: 27 }, // sudoers
  { name: 'audio', gid: 29 }, // sound devices
  { name: 'dip', gid: 30 }, // dial-up
  { name: 'www-data', gid: 33 }, // web servers
  { name: 'backup', gid: 34 }, // backups
  { name: 'operator', gid: 37 }, // legacy
  { name: 'list', gid: 38 }, // mailing list manager
  { name: 'irc', gid: 39 }, // ircd
  { name: 'src', gid: 40 }, // /usr/src
  { name: 'shadow', gid: 42 }, // /etc/shadow readers
  { name: 'utmp', gid: 43 }, // utmp/wtmp
  { name: 'video', gid: 44 }, // video devices, framebuffers
  { name: 'sasl', gid: 45 }, // sasl secrets
  { name: 'plugdev', gid: 46 }, // removable devices
  { name: 'staff', gid: 50 }, // /usr/local
  { name: 'games', gid: 60 }, // games
  { name: 'users', gid: 100 }, // ordinary users
  { name: 'nogroup', gid: 65534 }, // unprivileged
];

/**
 * System groups created by the postinst of Debian's `udev` package (`addgroup --system`), which
 * Debian's own rules name (GROUP="input", "kvm", "render", "sgx"). Their gids are allocated at
 * install time from the dynamic system range; the values here are those of a typical bookworm
 * installation and are not stable across systems.
 */
export const debianUdevSystemGroups: readonly GroupEntry[] = [
  { name: 'input', gid: 105 }, // input devices (addgroup --system input)
  { name: 'sgx', gid: 106 }, // SGX enclaves (addgroup --system sgx)
  { name: 'kvm', gid: 107 }, // /dev/kvm (addgroup --system kvm)
  { name: 'render', gid: 108 }, // DRM render nodes (addgroup --system render)
];

/**
 * A read-only user/group database: the getpwnam/getgrnam/getpwuid/getgrgid subset udev uses.
 * Lookups are exact and case sensitive, as NSS `files` is.
 */
export class PasswdDatabase {
  readonly #usersByName = new Map<string, PasswdEntry>();
  readonly #usersByUid = new Map<number, PasswdEntry>();
  readonly #groupsByName = new Map<string, GroupEntry>();
  readonly #groupsByGid = new Map<number, GroupEntry>();

  constructor(users: readonly PasswdEntry[], groups: readonly GroupEntry[]) {
    // First entry wins on duplicates, as getpwnam() returns the first matching line.
    for (const u of users) {
      if (!this.#usersByName.has(u.name)) this.#usersByName.set(u.name, u);
      if (!this.#usersByUid.has(u.uid)) this.#usersByUid.set(u.uid, u);
    }
    for (const g of groups) {
      if (!this.#groupsByName.has(g.name)) this.#groupsByName.set(g.name, g);
      if (!this.#groupsByGid.has(g.gid)) this.#groupsByGid.set(g.gid, g);
    }
  }

  /** getpwnam(): the entry named `name`, or undefined. */
  userByName(name: string): PasswdEntry | undefined {
    return this.#usersByName.get(name);
  }

  /** getpwuid(): the first entry with `uid`, or undefined. */
  userById(uid: number): PasswdEntry | undefined {
    return this.#usersByUid.get(uid);
  }

  /** getgrnam(): the group named `name`, or undefined. */
  groupByName(name: string): GroupEntry | undefined {
    return this.#groupsByName.get(name);
  }

  /** getgrgid(): the first group with `gid`, or undefined. */
  groupById(gid: number): GroupEntry | undefined {
    return this.#groupsByGid.get(gid);
  }
}

/** The user database of a bookworm system with the udev package installed. */
export function debianPasswd(): PasswdDatabase {
  return new PasswdDatabase(debianBaseUsers, [...debianBaseGroups, ...debianUdevSystemGroups]);
}
