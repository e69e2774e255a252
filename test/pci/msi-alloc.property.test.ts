/**
 * MSI-X IRQ numbers (src/pci/msi.ts): whatever the order drivers unbind and bind, each
 * allocation takes the lowest numbers from 24 up that no function's vectors use and that are
 * no function's INTx line — the walk over the allocated bitmap, which the test does itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootMachine } from '../support/pci-machine.js';

describe('pci_alloc_irq_vectors IRQ numbers', () => {
  it('are the lowest free ones at or above 24, INTx lines skipped, over any unbind/bind order (property)', () => {
    const m = bootMachine({ modules: ['cxl_pci'], presets: { 'cxl-type3': 4 } });
    const root = m.processes.root;
    const fns = root.readdir('/sys/bus/pci/drivers/cxl_pci').filter((n) => /^[0-9a-f]{4}:/.test(n));
    expect(fns.length).toBeGreaterThanOrEqual(4);
    const irqsOf = (fn: string) =>
      root
        .readdir(`/sys/bus/pci/devices/${fn}/msi_irqs`)
        .map(Number)
        .sort((a, b) => a - b);
    const legacy = new Set(root.readdir('/sys/bus/pci/devices').map((fn) => Number(root.readFile(`/sys/bus/pci/devices/${fn}/irq`))));
    const model = new Map(fns.map((fn) => [fn, irqsOf(fn)]));
    const vectors = new Map(fns.map((fn) => [fn, model.get(fn)!.length]));
    fc.assert(
      fc.property(fc.array(fc.nat(fns.length - 1), { minLength: 1, maxLength: 12 }), (picks) => {
        for (const i of picks) {
          const fn = fns[i]!;
          if (model.has(fn)) {
            root.writeFile('/sys/bus/pci/drivers/cxl_pci/unbind', fn);
            model.delete(fn);
          } else {
            root.writeFile('/sys/bus/pci/drivers/cxl_pci/bind', fn);
            const used = new Set([...model.values()].flat());
            const want: number[] = [];
            for (let irq = 24; want.length < vectors.get(fn)!; irq++) if (!used.has(irq) && !legacy.has(irq)) want.push(irq);
            model.set(fn, want);
          }
          for (const [f, irqs] of model) expect(irqsOf(f), f).toEqual(irqs);
        }
      }),
      { numRuns: 40 },
    );
  });
});
