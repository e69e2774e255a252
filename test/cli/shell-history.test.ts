/**
 * The interactive shell's history file: where it is (AUXBUS_HISTORY, XDG_STATE_HOME, the XDG
 * default), what is added (no blanks, no repeat of the last line), the bound, and a file that
 * cannot be written (one line, once; the shell goes on).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_SIZE, ShellHistory, historyPath } from '../../src/cli/shell-history.js';

const dir = () => mkdtempSync(join(tmpdir(), 'auxbus-hist-'));

describe('historyPath', () => {
  it.each([
    [{}, '/home/u/.local/state/auxbus/history'],
    [{ XDG_STATE_HOME: '/state' }, '/state/auxbus/history'],
    [{ XDG_STATE_HOME: 'relative' }, '/home/u/.local/state/auxbus/history'],
    [{ AUXBUS_HISTORY: '/tmp/h', XDG_STATE_HOME: '/state' }, '/tmp/h'],
    [{ AUXBUS_HISTORY: '' }, undefined],
    [{ AUXBUS_HISTORY: 'off' }, undefined],
  ])('%j → %s', (env, path) => {
    expect(historyPath(env, '/home/u')).toBe(path);
  });
});

describe('ShellHistory', () => {
  it('keeps typed lines across sessions, creating the directory; no blanks, no repeats of the last line', () => {
    const file = join(dir(), 'state', 'auxbus', 'history');
    const first = new ShellHistory(file, () => expect.unreachable());
    expect(first.load()).toEqual([]);
    for (const l of ['lspci -k', '', '  ', 'tree', 'tree', 'lsmod', 'tree']) first.add(l);
    expect(readFileSync(file, 'utf8')).toBe('lspci -k\ntree\nlsmod\ntree\n');
    expect(new ShellHistory(file, () => expect.unreachable()).load()).toEqual(['lspci -k', 'tree', 'lsmod', 'tree']);
  });

  it('keeps the newest HISTORY_SIZE lines', () => {
    const file = join(dir(), 'history');
    writeFileSync(file, Array.from({ length: HISTORY_SIZE + 5 }, (_, i) => `cmd ${i}\n`).join(''));
    const h = new ShellHistory(file, () => expect.unreachable());
    const lines = h.load();
    expect(lines.length).toBe(HISTORY_SIZE);
    expect(lines[0]).toBe('cmd 5');
    expect(readFileSync(file, 'utf8').split('\n').length - 1).toBe(HISTORY_SIZE);
  });

  it('off: nothing is read or written', () => {
    const h = new ShellHistory(undefined, () => expect.unreachable());
    expect(h.load()).toEqual([]);
    h.add('tree');
  });

  it.skipIf(process.getuid?.() === 0)('a file that cannot be written is one warning, once', () => {
    const d = dir();
    chmodSync(d, 0o500);
    const warnings: string[] = [];
    const h = new ShellHistory(join(d, 'sub', 'history'), (m) => warnings.push(m));
    h.add('tree');
    h.add('lsmod');
    expect(warnings).toEqual([expect.stringMatching(/^auxbus shell: history: cannot write .*: EACCES \(history not kept/)]);
  });

  it('a path below a regular file is one warning, once (also as root)', () => {
    const d = dir();
    writeFileSync(join(d, 'file'), '');
    const warnings: string[] = [];
    const h = new ShellHistory(join(d, 'file', 'history'), (m) => warnings.push(m));
    h.add('tree');
    h.add('lsmod');
    expect(warnings).toEqual([expect.stringMatching(/^auxbus shell: history: cannot write .*file\/history: (ENOTDIR|EEXIST) \(history not kept/)]);
  });
});
