/**
 * Managed device resources (drivers/base/devres.c): each devm_* registration appends a node to
 * the device's list; devres_release_all runs the release actions last-in-first-out, after
 * remove() on unbind and on every probe failure. Groups release only their own nodes.
 */
import { BugIndicatingError } from '../base/index.js';
import type { Device } from './device.js';

/** devm_add_action: `release` runs when the device's driver unbinds (or probe fails). */
export function devmAddAction(dev: Device, name: string, release: () => void): void {
  dev.p.devres.push({ name, release });
}

/**
 * devm_add_action_or_reset: devm_add_action, running the action at once only when registering
 * it fails (an allocation failure, which the model never has). A device need not be bound: a
 * devres node on an unbound device is released by device_del or the last put.
 */
export function devmAddActionOrReset(dev: Device, name: string, release: () => void): void {
  devmAddAction(dev, name, release);
}

/** devres_open_group: returns a group id; nodes added after it belong to the group. */
export function devresOpenGroup(dev: Device): number {
  // Group ids are per device: one past the largest id still on its list.
  const group = dev.p.devres.reduce((m, n) => Math.max(m, n.group ?? 0), 0) + 1;
  dev.p.devres.push({ name: `group-${group}`, release: () => {}, group });
  return group;
}

/** devres_release_group: release the nodes added since the group opened, newest first. */
export function devresReleaseGroup(dev: Device, group: number): void {
  const list = dev.p.devres;
  const start = list.findIndex((n) => n.group === group);
  if (start < 0) throw new BugIndicatingError(`${dev.displayName}: unknown devres group ${group}`);
  const nodes = list.splice(start);
  releaseNodes(nodes.slice(1));
}

function releaseNodes(nodes: readonly { release: () => void }[]): void {
  // release_nodes walks the todo list backwards: LIFO.
  for (let i = nodes.length - 1; i >= 0; i--) nodes[i]!.release();
}

/** devres_release_all: every node, newest first. Returns how many were released. */
export function devresReleaseAll(dev: Device): number {
  const nodes = dev.p.devres.splice(0);
  releaseNodes(nodes);
  let released = 0;
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.group === undefined) released++;
  return released;
}

/** Names of the live devres nodes, oldest first (for invariants and debugging). */
export function devresNames(dev: Device): string[] {
  return dev.p.devres.filter((n) => n.group === undefined).map((n) => n.name);
}
