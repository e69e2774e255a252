import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/base/index.js';
import { PCI_DOE_CAP_SIZEOF, pciDoeCtrl, pciDoeRegs, pciDoeStatus, pciExtCapIds, pciRegs } from '../../src/pci/index.js';
import { createCxlType3, createMlx5Nic, createRootPort } from '../../src/drivers/index.js';

describe('cxl-type3 DOE capabilities (protocols §1.1, §1.2)', () => {
  it('should chain exactly three DOE headers (id 0x2E) 0x18 bytes apart, in CDAT, Compliance, CMA order', () => {
    const hw = createCxlType3({ scheduler: new Scheduler() });
    const headers: [number, number][] = [];
    for (let pos = 0x100; pos !== 0;) {
      const h = hw.configRead(pos, 4);
      headers.push([pos, h & 0xffff]);
      pos = (h >>> 20) & 0xffc;
    }
    const doe = headers.filter(([, id]) => id === pciExtCapIds.DOE).map(([pos]) => pos);
    expect(doe).toEqual([0x190, 0x1a8, 0x1c0]);
    expect(doe[1]! - doe[0]!).toBe(PCI_DOE_CAP_SIZEOF);
  });

  /** One Discovery request over the mailbox registers; returns the response payload dword. */
  function discover(cap: number, index: number): number {
    const scheduler = new Scheduler();
    const hw = createCxlType3({ scheduler });
    hw.configWrite(cap + pciDoeRegs.WRITE, 4, 0x0001 | (0x00 << 16));
    hw.configWrite(cap + pciDoeRegs.WRITE, 4, 3);
    hw.configWrite(cap + pciDoeRegs.WRITE, 4, index);
    hw.configWrite(cap + pciDoeRegs.CTRL, 4, pciDoeCtrl.GO);
    expect(hw.configRead(cap + pciDoeRegs.STATUS, 4)).toBe(pciDoeStatus.BUSY);
    scheduler.advance(1);
    expect((hw.configRead(cap + pciDoeRegs.STATUS, 4) & pciDoeStatus.DATA_OBJECT_READY) >>> 0).toBe(pciDoeStatus.DATA_OBJECT_READY);
    const words: number[] = [];
    for (let i = 0; i < 3; i++) {
      words.push(hw.configRead(cap + pciDoeRegs.READ, 4));
      hw.configWrite(cap + pciDoeRegs.READ, 4, 0);
    }
    expect(words.slice(0, 2)).toEqual([0x0001, 3]);
    expect(hw.configRead(cap + pciDoeRegs.STATUS, 4) & pciDoeStatus.DATA_OBJECT_READY).toBe(0);
    return words[2]!;
  }

  it.each([
    [0x190, 0, 0x01000001],
    [0x190, 1, 0x00021e98],
    [0x1a8, 1, 0x00001e98],
    [0x1c0, 1, 0x02010001], // CMA/SPDM 0001:01, next 2
    [0x1c0, 2, 0x00020001], // Secured CMA/SPDM 0001:02, last
    [0x1c0, 3, 0x04ffffff], // past the end: FFFF:FF, next = index + 1 (QEMU c09)
  ])('Discovery at capability offset %d, index %d', (cap, index, expected) => {
    expect(discover(cap, index)).toBe(expected);
  });

  it('should read Abort and Go back as 0, keep Interrupt Enable, and flag an ack underflow as Error until Abort', () => {
    const scheduler = new Scheduler();
    const hw = createCxlType3({ scheduler });
    const cap = 0x190;
    hw.configWrite(cap + pciDoeRegs.CTRL, 4, pciDoeCtrl.INT_EN | pciDoeCtrl.GO);
    expect(hw.configRead(cap + pciDoeRegs.CTRL, 4)).toBe(pciDoeCtrl.INT_EN);
    hw.configWrite(cap + pciDoeRegs.READ, 4, 0);
    expect(hw.configRead(cap + pciDoeRegs.STATUS, 4) & pciDoeStatus.ERROR).toBe(pciDoeStatus.ERROR);
    hw.configWrite(cap + pciDoeRegs.STATUS, 4, pciDoeStatus.INT_STATUS);
    hw.configWrite(cap + pciDoeRegs.CTRL, 4, pciDoeCtrl.ABORT);
    expect(hw.configRead(cap + pciDoeRegs.STATUS, 4)).toBe(pciDoeStatus.BUSY);
    scheduler.advance(1);
    expect(hw.configRead(cap + pciDoeRegs.STATUS, 4)).toBe(pciDoeStatus.INT_STATUS);
  });
});

describe('config space registers', () => {
  it('should size a BAR by reading back the written all-ones', () => {
    const hw = createMlx5Nic();
    hw.configWrite(pciRegs.BASE_ADDRESS_0, 4, 0xffffffff);
    expect(hw.configRead(pciRegs.BASE_ADDRESS_0, 4)).toBe(0xfe00000c);
    hw.configWrite(pciRegs.VENDOR_ID, 2, 0x1234);
    expect(hw.configRead(pciRegs.VENDOR_ID, 2)).toBe(0x15b3);
  });

  it('should answer all ones after a surprise removal', () => {
    const hw = createRootPort({ secondaryBus: 5, irq: 25 });
    expect(hw.configRead(pciRegs.SECONDARY_BUS, 1)).toBe(5);
    hw.disconnect();
    expect(hw.configRead(pciRegs.VENDOR_ID, 4)).toBe(0xffffffff);
  });

  it('should restore power-on registers on a function reset, bus numbers of a port included', () => {
    const hw = createRootPort({ secondaryBus: 5, irq: 25 });
    hw.configWrite(pciRegs.SECONDARY_BUS, 1, 9);
    hw.configWrite(pciRegs.INTERRUPT_LINE, 1, 0x0b);
    hw.reset('flr');
    expect([hw.configRead(pciRegs.SECONDARY_BUS, 1), hw.configRead(pciRegs.INTERRUPT_LINE, 1)]).toEqual([5, 0]);
  });
});
