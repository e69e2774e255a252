/**
 * The shell's interpreter (browser-safe: no node:* module): a session over one live machine,
 * its command table, line syntax and tab completion. The terminal side (readline, history
 * file, TTY detection) is src/cli/shell.ts.
 */
import type { Machine, MachineUdev } from '../../machine/index.js';
import { commandTable } from './commands.js';
import { ShellSession } from './session.js';
import type { ShellSessionOptions } from './types.js';

export { ShellSession } from './session.js';
export { type ShellOutput, type ShellCommand, type ShellContext, type ShellSessionApi, type ShellSessionOptions, RULES_DIR } from './types.js';
export { commandTable } from './commands.js';

/** A session over a live machine with every command of the table. */
export function createShellSession(machine: Machine, udev: MachineUdev, options: ShellSessionOptions = {}): ShellSession {
  return new ShellSession(machine, udev, commandTable, options);
}
export { complete } from './complete.js';
export { parseLine, type ParsedCommand } from './words.js';
export { udevadmTestMachine, devpathOf, machineRules, type MachineTestOptions } from './udevadm-machine.js';
