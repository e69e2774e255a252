/**
 * The interactive prompt in a real terminal: tmux runs `auxbus shell`, keys are typed into it
 * (a command, a Tab completion, Ctrl-D) and the screen is read back. Skipped without tmux.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

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
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', `NO_COLOR=1 ${tsx} ${main} shell --preset cxl-type3`);
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
});
