/**
 * Lexical path normalisation for the simulated filesystems (/sys, /dev): empty and `.`
 * components dropped, `..` taken against the components before it (never above `/`). Symlinks
 * are resolved by the filesystem that owns them, not here.
 */
export function normalizeAbsolute(path: string): string {
  if (isPlainAbsolute(path)) return path;
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

/**
 * A path normalizeAbsolute() returns unchanged: absolute, no empty, `.` or `..` component and no
 * trailing slash (`/` itself is not: its one component is empty). One pass over the characters.
 */
export function isPlainAbsolute(p: string): boolean {
  const n = p.length;
  if (n < 2 || p.charCodeAt(0) !== 47) return false;
  let start = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && p.charCodeAt(i) !== 47) continue;
    const len = i - start;
    if (len === 0) return false;
    if (p.charCodeAt(start) === 46 && (len === 1 || (len === 2 && p.charCodeAt(start + 1) === 46))) return false;
    start = i + 1;
  }
  return true;
}
