/**
 * `udevadm verify` as a library call: every rules file parsed on its own with udev 252's parser
 * (252 has no verify verb; newer systemd's verify fails a file on any warning or error it
 * logs while parsing), its diagnostics, and the summary counts.
 */
import type { PasswdDatabase } from '../../base/index.js';
import type { Diagnostic } from '../diagnostics.js';
import { compileRules, type ResolveNames, type RulesFileInput } from '../rules/compiler.js';

export interface VerifyOptions {
  readonly resolveNames?: ResolveNames;
  readonly passwd?: PasswdDatabase;
}

/** One checked file. */
export interface VerifiedFile {
  readonly name: string;
  /** Diagnostics at warning level and above, plus read failures. */
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
}

export interface VerifyResult {
  readonly files: readonly VerifiedFile[];
  /** All failing diagnostics, file by file. */
  readonly diagnostics: readonly Diagnostic[];
  readonly failed: number;
  /** 0 when every file is clean, 1 otherwise (udevadm verify's status). */
  readonly exitCode: 0 | 1;
}

/** A read error or a message at warning level or above fails the file. */
function fails(d: Diagnostic): boolean {
  return d.level === 'error' || d.level === 'warning' || d.message.startsWith('Failed to read rules file ');
}

/** Parse each file separately (GOTO/LABEL are per file anyway) and collect what fails it. */
export function verify(files: readonly RulesFileInput[], options: VerifyOptions = {}): VerifyResult {
  const out: VerifiedFile[] = [];
  const all: Diagnostic[] = [];
  for (const f of files) {
    const compiled = compileRules([f], {
      ...(options.resolveNames ? { resolveNames: options.resolveNames } : {}),
      ...(options.passwd ? { passwd: options.passwd } : {}),
    });
    const diagnostics = compiled.diagnostics.filter(fails);
    out.push({ name: f.name, diagnostics, ok: diagnostics.length === 0 });
    all.push(...diagnostics);
  }
  const failed = out.filter((f) => !f.ok).length;
  return { files: out, diagnostics: all, failed, exitCode: failed > 0 ? 1 : 0 };
}
