/**
 * The interactive prompt in a real terminal: tmux runs `auxbus shell`, keys are typed into it
 * (a command, a Tab completion, Ctrl-D) and the screen is read back. Skipped without tmux.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
/** Every session keeps its history here, never in the user's own file. */
const histfile = join(mkdtempSync(join(tmpdir(), 'auxbus-pty-')), 'history');
const shellCmd = `NO_COLOR=1 AUXBUS_HISTORY=${histfile} ${tsx} ${main} shell --preset cxl-type3`;

async function waitGone(session: string): Promise<void> {
  for (let i = 0; i < 100 && spawnSync('tmux', ['has-session', '-t', session]).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

/** Polls the pane until `pattern` shows (the CLI takes a moment to start). */
async function waitFor(session: string, pattern: RegExp, tries = 200): Promise<string> {
  let screen = '';
  for (let i = 0; i < tries; i++) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pane never showed ${pattern}:\n${screen}`);
}

describe.skipIf(!hasTmux)('auxbus shell at a terminal (tmux)', () => {
  it('prompts, completes a path with Tab, runs the command, and leaves on exit', async () => {
    const session = `auxbus-pty-${process.pid}`;
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', shellCmd);
    try {
      await waitFor(session, /root:\/#\s*$/m);
      tmux('send-keys', '-t', session, 'ls /sys/bus/auxiliary/dev', 'Tab');
      await waitFor(session, /ls \/sys\/bus\/auxiliary\/devices\//);
      tmux('send-keys', '-t', session, 'Enter');
      const screen = await waitFor(session, /cxl_pci\.doe\.0/);
      expect(screen).toContain('root:/# ls /sys/bus/auxiliary/devices/');
      tmux('send-keys', '-t', session, 'cd /sys/bus/pci', 'Enter');
      await waitFor(session, /root:\/sys\/bus\/pci#\s*$/m);
      tmux('send-keys', '-t', session, 'exit', 'Enter');
      for (let i = 0; i < 100 && spawnSync('tmux', ['has-session', '-t', session]).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(spawnSync('tmux', ['has-session', '-t', session]).status).not.toBe(0);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  }, 30_000);

  it('keeps the history across sessions: ↑ in a new shell brings back the last command', async () => {
    const session = `auxbus-pty-hist-${process.pid}`;
    try {
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', shellCmd);
      await waitFor(session, /root:\/#\s*$/m);
      tmux('send-keys', '-t', session, 'lsmod', 'Enter');
      await waitFor(session, /cxl_pci/);
      tmux('send-keys', '-t', session, 'exit', 'Enter');
      await waitGone(session);
      expect(readFileSync(histfile, 'utf8').split('\n')).toContain('lsmod');
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', shellCmd);
      await waitFor(session, /root:\/#\s*$/m);
      tmux('send-keys', '-t', session, 'Up');
      await waitFor(session, /root:\/# lsmod\s*$/m);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  }, 30_000);
});
