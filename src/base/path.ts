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
