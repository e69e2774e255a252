/**
 * Explorer replay for the scheduler panel: runs one schedule of a scenario's `concurrent:` block
 * (the `auxbus explore --replay` format, docs/explorer.md) with the explorer's own runSchedule
 * and keeps a snapshot of the machine after every timeline entry, so the page can step through
 * the run forwards and backwards and show the device tree, the kernel log lines each entry
 * printed and the state of the raced DOE mailbox at that point.
 */
import {
  type TimelineEntry,
  type Violation,
  formatSchedule,
  kernelDoeBusy,
  machineScenarioHost,
  parseSchedule,
  concurrentBlock,
  runSchedule,
} from '../../src/machine/index.js';
import { formatDiagnostic, loadScenario } from '../../src/scenario/index.js';
import { type TreeNode, deviceTree } from './session.js';

/** The machine after one timeline entry. */
export interface RaceFrame {
  readonly entry: TimelineEntry;
  readonly t: number;
  /** The lane step in progress after this entry (a polling `doe` lets tasks run inside it). */
  readonly inStep: string | undefined;
  /** The kernel has an exchange in flight on the watched mailbox. */
  readonly kernelBusy: boolean;
  /** Kernel log lines this entry printed. */
  readonly kmsg: readonly string[];
  readonly uevents: number;
  readonly tree: readonly TreeNode[];
}

export interface RaceReplay {
  readonly schedule: string;
  readonly frames: readonly RaceFrame[];
  readonly violation: Violation | undefined;
  /** The watched mailbox: the one the block's userspace `doe` step drives through config space. */
  readonly mailbox: { readonly config: string; readonly index: number } | undefined;
}

/** Replays `schedule` (`1.1`, `-`) of `text`'s first `concurrent:` block. Throws Error with a positioned message for bad input. */
export function replaySchedule(text: string, schedule: string, file = 'race.yaml'): RaceReplay {
  const prefix = parseSchedule(schedule.trim());
  if (!prefix) throw new Error(`bad schedule "${schedule}": choices separated by dots, such as 1.1 (- for none)`);
  const r = loadScenario(text, file, machineScenarioHost());
  if (!r.ok) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  const block = concurrentBlock(r.loaded);
  if (!block) throw new Error(`${file}: no concurrent: block to replay`);
  let mailbox: RaceReplay['mailbox'];
  for (const lane of block.lanes)
    for (const s of lane) if (s.verb === 'doe' && 'config' in s.target) mailbox ??= { config: s.target.config, index: s.target.mailbox };
  const frames: RaceFrame[] = [];
  let logged = 0;
  let pending: { entry: TimelineEntry } | undefined;
  // An observation shows the machine *before* its entry runs: it closes the previous entry's frame.
  const result = runSchedule(r.loaded, {
    prefix,
    timeline: true,
    observe: (m, entry, inStep) => {
      if (pending) {
        const records = m.log.records.slice(logged).filter((x) => x.source === 'kernel');
        frames.push({
          entry: pending.entry,
          t: m.clock.now(),
          inStep,
          kernelBusy: mailbox ? kernelDoeBusy(m, mailbox.config, mailbox.index) : false,
          kmsg: records.map((x) => x.message),
          uevents: m.uevent.log.length,
          tree: deviceTree(m),
        });
      }
      logged = m.log.records.length;
      pending = entry ? { entry } : undefined;
    },
  });
  return { schedule: formatSchedule(result.schedule), frames, violation: result.violation, mailbox };
}

/** Whether at frame `i` userspace (a lane's raw `doe` step, in progress) and the kernel both drive the watched mailbox. */
export function racing(replay: RaceReplay, i: number): boolean {
  const f = replay.frames[i];
  if (!f?.kernelBusy || f.inStep === undefined) return false;
  for (let j = i; j >= 0; j--) {
    const e = replay.frames[j]!.entry;
    if (e.actor.startsWith(`${f.inStep} `)) return /^doe .*mailbox/.test(e.what);
  }
  return false;
}

/** The first frame where the race shows, or -1. */
export function raceFrame(replay: RaceReplay): number {
  return replay.frames.findIndex((_, i) => racing(replay, i));
}

/** What an entry means, for the guided lesson (the DOE hand-off race); undefined when nothing to add. */
export function explainEntry(e: TimelineEntry): string | undefined {
  const w = e.what;
  if (e.actor.startsWith('lane') && /unbind/.test(w)) return 'An administrator unbinds cxl_pci: its auxiliary devices and fwctl go.';
  if (e.actor.startsWith('lane') && /\/bind /.test(w))
    return "…and binds it again: cxl_pci's probe queues the CDAT read, a DOE exchange on mailbox 0 (capability at 0x190), on the kernel's DOE workqueue.";
  if (e.actor.startsWith('lane') && /^doe .*mailbox/.test(w))
    return "A compliance tool starts its own exchange on the same mailbox by writing its registers through the config file. Under pci-core-shared nothing refuses it: its writes go into the mailbox the kernel's CDAT read is using — the kernel's request and the tool's collide.";
  if (/DOE \[190\] work/.test(w)) return "The kernel's DOE work item for mailbox 0 runs: it writes a CDAT request and sets Go.";
  if (/DOE \[190\] poll/.test(w)) return 'The kernel polls mailbox 0 for its response.';
  if (/doe-hw \[190\] response/.test(w)) return 'The device answers on mailbox 0 — to the last request it took, whoever wrote it.';
  if (/udev-worker/.test(w)) return 'udev handles the unbind/bind uevents meanwhile.';
  if (/→ (EPERM|EACCES|EBUSY)/.test(w)) return 'Refused before it touched a register: the mailbox belongs to one party.';
  return undefined;
}
