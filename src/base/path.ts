/**
 * Lexical path normalisation for the simulated filesystems (/sys, /dev): empty and `.`
 * components dropped, `..` taken against the components before it (never above `/`). Symlinks
 * are resolved by the filesystem that owns them, not here.
 */
export function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** The last component of a '/'-separated path (basename(3) without trailing-slash handling). */
export function pathBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The directory part of a '/'-separated path as written: `.` for a bare name, `/` for a root entry. */
export function pathDirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : path.slice(0, i);
}
