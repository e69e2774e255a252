/**
 * One worker thread of `auxbus explore --jobs J`: runs shard `[i, n]` of a campaign on its own
 * machines and posts progress and its result. The scenario is loaded again here (a loaded
 * scenario does not cross threads); it already loaded in the main thread, so it loads here too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CampaignOptions, explore, machineScenarioHost } from '../machine/index.js';
import { loadScenario } from '../scenario/index.js';
import { readRulesFileFromDisk } from '../scenario/index.node.js';
import { withScenarioCliRules } from './machine-args.js';
import type { RulesText } from './rules-args.js';

export interface ExploreWorkerData {
  readonly text: string;
  readonly file: string;
  readonly baseDir: string;
  /** The command line's --rules, installed beside the scenario's. */
  readonly rules: readonly RulesText[];
  readonly campaign: Omit<CampaignOptions, 'onProgress'>;
}

const data = workerData as ExploreWorkerData;
const loaded = loadScenario(data.text, data.file, machineScenarioHost(), { baseDir: data.baseDir, readRulesFile: readRulesFileFromDisk });
if (!loaded.ok) throw new Error('explore worker: the scenario no longer loads');
let last = 0;
const result = explore(withScenarioCliRules(loaded.loaded, data.rules), {
  ...data.campaign,
  onProgress: (done) => {
    parentPort!.postMessage({ kind: 'progress', delta: done - last });
    last = done;
  },
});
parentPort!.postMessage({ kind: 'result', result });
