/** explore — the race explorer over scenarios' `concurrent:` blocks (browser-safe). */
export {
  type TimelineEntry,
  type Violation,
  type ScheduleResult,
  type Chooser,
  type RunScheduleOptions,
  type CampaignOptions,
  type CampaignResult,
  concurrentBlock,
  runSchedule,
  randomChooser,
  seededRandom,
  formatSchedule,
  parseSchedule,
  formatTimeline,
  shrink,
  explore,
} from './explorer.js';
export { TASK_INVARIANTS, type Invariant, kernelDoeBusy } from './invariants.js';
