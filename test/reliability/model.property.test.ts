/**
 * The model-based reliability test (test/reliability/model.ts): random sequences of every
 * user-visible operation, all invariants checked after each step. `npm test` runs a small budget;
 * `npm run test:stress` raises it with MODEL_SEEDS (sequences) and MODEL_STEPS (operations each).
 *
 * A campaign is cut into chunks of MODEL_CHUNK sequences; chunk k runs with fast-check seed
 * MODEL_SEED + k, so any chunk replays alone (MODEL_FIRST_CHUNK=k MODEL_SEEDS=MODEL_CHUNK).
 * MODEL_SHARD=i/n runs chunks k ≡ i (mod n) only: n processes (or machines) split one campaign.
 * MODEL_PROGRESS=FILE appends one JSON line per chunk with the running figures.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IIommuCore, type IommuCore } from '../../src/pci/index.js';
import { OPERATIONS, type Op, type RunStats, opArb, runModel } from './model.js';

const SEEDS = Number(process.env.MODEL_SEEDS || 12);
const STEPS = Number(process.env.MODEL_STEPS || 25);
const SEED = Number(process.env.MODEL_SEED || 0x11e1);
const CHUNK = Number(process.env.MODEL_CHUNK || 25);
const FIRST_CHUNK = Number(process.env.MODEL_FIRST_CHUNK || 0);
const [SHARD, SHARDS] = (process.env.MODEL_SHARD || '0/1').split('/').map(Number) as [number, number];
const PROGRESS = process.env.MODEL_PROGRESS;

const newStats = (): Required<RunStats> => ({ operations: 0, errnos: 0, perOp: {}, outcomes: {} });

describe('reliability model over every user-visible operation', () => {
  it('should hold every invariant after every step, and fail only with errno errors', () => {
    const stats = newStats();
    const started = performance.now();
    const chunks = Math.ceil(SEEDS / CHUNK);
    let sequences = 0;
    for (let k = FIRST_CHUNK; k < FIRST_CHUNK + chunks; k++) {
      if (k % SHARDS !== SHARD) continue;
      const runs = Math.min(CHUNK, SEEDS - (k - FIRST_CHUNK) * CHUNK);
      fc.assert(
        fc.property(fc.array(opArb, { minLength: STEPS, maxLength: STEPS }), (ops) => {
          const v = runModel(ops, stats);
          if (v) throw new Error(`invariant ${v.invariant} broken at step ${v.step} (${JSON.stringify(v.op)}): ${v.message}`);
        }),
        { numRuns: runs, seed: SEED + k, endOnFailure: true },
      );
      sequences += runs;
      if (PROGRESS) {
        const line = {
          shard: `${SHARD}/${SHARDS}`,
          chunk: k,
          seed: SEED + k,
          sequences,
          operations: stats.operations,
          errnos: stats.errnos,
          violations: 0,
        };
        appendFileSync(PROGRESS, `${JSON.stringify({ ...line, ms: Math.round(performance.now() - started) })}\n`);
      }
    }
    if (process.env.MODEL_REPORT) {
      const model = {
        shard: `${SHARD}/${SHARDS}`,
        sequences,
        stepsPerSequence: STEPS,
        operations: stats.operations,
        errnos: stats.errnos,
        violations: 0,
      };
      console.log(JSON.stringify({ model: { ...model, perOp: stats.perOp, outcomes: stats.outcomes, ms: Math.round(performance.now() - started) } }));
    }
    // Every operation kind was drawn: the budget exercised the whole surface.
    if (stats.operations >= OPERATIONS.length * 20) expect(Object.keys(stats.perOp).sort()).toEqual([...OPERATIONS].sort());
  });
});

describe('reliability model, directed sequences', () => {
  it('should hold on the DOE hand-off, two openers, raw access and a module in use', () => {
    const stats = newStats();
    const ops: Op[] = [
      { op: 'handoff', pick: 1, to: 'doe_user.doe' },
      { op: 'open', who: 0, pick: 0 },
      { op: 'open', who: 1, pick: 0 },
      { op: 'doe', pick: 0, request: 0 },
      { op: 'doe', pick: 0, request: 1 },
      { op: 'doe-raw', pick: 0, mailbox: 1, request: 0 },
      { op: 'rmmod', module: 'doe_user' },
      { op: 'ioctl', pick: 0 },
      { op: 'close', pick: 0 },
      { op: 'sriov', pick: 1, n: 2 },
      { op: 'trigger', action: 'change' },
      { op: 'reload', rules: 2 },
      { op: 'hotplug', preset: 'cxl-type3' },
      { op: 'unplug', pick: 0 },
    ];
    expect(runModel(ops, stats)).toBeUndefined();
    // The second opener is refused (one open file per mailbox), both exchanges complete, raw
    // config access is refused while doe_user claims the range, and doe_user stays loaded.
    expect(stats.outcomes).toMatchObject({
      handoff: { ok: 1 },
      open: { ok: 1, EBUSY: 1 },
      doe: { ok: 2 },
      'doe-raw': { EPERM: 1 },
      rmmod: { EBUSY: 1 },
    });
  });

  it('should hold on a vfio hand-off: group, container, IOMMU, device files, a second opener', () => {
    const stats = newStats();
    const ops: Op[] = [
      // Hand the last PCI function to vfio-pci; /dev/vfio/N and /dev/vfio/vfio end the node list.
      { op: 'handoff', pick: -1, to: 'vfio-pci' },
      { op: 'open', who: 0, pick: -2 },
      { op: 'open', who: 0, pick: -1 },
      { op: 'open', who: 1, pick: -2 },
      { op: 'vfio', pick: 0, cmd: 0, arg: 0 },
      { op: 'vfio', pick: 0, cmd: 1, arg: 0 },
      { op: 'vfio', pick: 1, cmd: 6, arg: 3 },
      { op: 'vfio', pick: 0, cmd: 3, arg: 0 },
      { op: 'vfio', pick: 0, cmd: 3, arg: 1 },
      { op: 'vfio', pick: 0, cmd: 3, arg: 4 },
      { op: 'rmmod', module: 'vfio_pci' },
      { op: 'close', pick: 0 },
      { op: 'rpc', pick: 0, scope: 3, payload: 0 },
    ];
    expect(runModel(ops, stats)).toBeUndefined();
    expect(stats.outcomes).toMatchObject({
      handoff: { ok: 1 },
      open: { ok: 2, EBUSY: 1 },
      'vfio/VFIO_GROUP_GET_STATUS': { ok: 1 },
      'vfio/VFIO_GROUP_SET_CONTAINER': { ok: 1 },
      'vfio/VFIO_SET_IOMMU': { ok: 1 },
      // Two device files of the group's member; a function outside the group: ENODEV.
      'vfio/VFIO_GROUP_GET_DEVICE_FD': { ok: 2, ENODEV: 1 },
      // The device files pin vfio_pci.
      rmmod: { EBUSY: 1 },
    });
  });

  it('should hold on FWCTL_RPC at every scope, before and after the driver goes', () => {
    const stats = newStats();
    // /dev/fwctl/fwctl0 (cxl_fwctl) and fwctl1 (mlx5_fwctl) start the node list.
    const ops: Op[] = [
      { op: 'modprobe', module: 'cxl_fwctl' },
      { op: 'open', who: 0, pick: 0 },
      { op: 'open', who: 1, pick: 1 },
      { op: 'rpc', pick: 0, scope: 0, payload: 0 },
      { op: 'rpc', pick: 0, scope: 3, payload: 0 },
      { op: 'rpc', pick: 0, scope: 1, payload: 2 },
      { op: 'rpc', pick: 1, scope: 2, payload: 1 },
      { op: 'rmmod', module: 'cxl_fwctl' },
      { op: 'rpc', pick: 0, scope: 0, payload: 0 },
      { op: 'ioctl', pick: 0 },
    ];
    expect(runModel(ops, stats)).toBeUndefined();
    expect(stats.outcomes).toMatchObject({
      open: { ok: 2 },
      // Get Supported Features; after rmmod the file answers ENODEV to everything.
      'rpc/scope 0': { ok: 1, ENODEV: 1 },
      // debug-write-full by a process with CAP_SYS_RAWIO.
      'rpc/scope 3': { ok: 1 },
      // bytes that are no CXL command.
      'rpc/scope 1': { EINVAL: 1 },
      'rpc/scope 2': { ok: 1 },
      rmmod: { ok: 1 },
      ioctl: { ENODEV: 1 },
    });
  });
});

describe('reliability model, planted faults', () => {
  const steps: Op[] = [
    { op: 'advance', ms: 1 },
    { op: 'advance', ms: 1 },
  ];

  it('should report devres left on an unbound device', () => {
    const v = runModel([{ op: 'unbind', pick: 0 }, ...steps], undefined, {
      afterStep: (m, step) => {
        const dev = m.buses.buses.flatMap((b) => [...b.devices]).find((d) => !d.driver);
        if (step === 2 && dev) dev.p.devres.push({ name: 'planted', release: () => {} });
      },
    });
    expect(v).toMatchObject({ step: 2, invariant: 'devres' });
    expect(v?.message).toContain('planted');
  });

  it('should report an IOMMU group claimed by userspace while a kernel driver uses it', () => {
    const v = runModel(steps, undefined, {
      afterStep: (m, step) => {
        const g = m.get<IommuCore>(IIommuCore).groups.find((x) => x.defaultDomainUsers > 0);
        if (step === 1 && g) g.owner = 'planted';
      },
    });
    expect(v).toMatchObject({ step: 1, invariant: 'dma' });
  });

  it('should report a default-domain count that disagrees with the bound members', () => {
    const v = runModel(steps, undefined, {
      afterStep: (m, step) => {
        if (step === 2) m.get<IommuCore>(IIommuCore).groups[0]!.defaultDomainUsers += 1;
      },
    });
    expect(v).toMatchObject({ step: 2, invariant: 'dma' });
  });
});
