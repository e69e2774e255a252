/** explore — the race explorer over scenarios' `concurrent:` blocks (browser-safe). */
export {
  type TimelineEntry,
  type Violation,
  type ScheduleResult,
  type Chooser,
  type RunScheduleOptions,
  type ScheduleBase,
  prepareBase,
  type CampaignOptions,
  type CampaignResult,
  concurrentBlock,
  concurrentBlocks,
  runSchedule,
  randomChooser,
  seededRandom,
  formatSchedule,
  parseSchedule,
  formatTimeline,
  shrink,
  explore,
  mergeCampaigns,
} from './explorer.js';
export { TASK_INVARIANTS, type Invariant, type BrokenInvariant, checkTaskInvariants, kernelDoeBusy } from './invariants.js';
export { type Footprint, conflicts, stepFootprint, fdOrigins } from './footprint.js';
export { SleepSetSearch } from './sleep-sets.js';
export { ScheduleTrie, type RunOutcome, type TrieWalk } from './schedule-trie.js';
