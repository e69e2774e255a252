import { describe, expect, it } from 'vitest';
import { AuxiliaryBus, AuxiliaryDevice, AuxiliaryDriver, IAuxiliaryBus } from '../../src/aux/index.js';
import { type Device } from '../../src/bus/index.js';
import { IPciCore, type PciCore, PciDriver, pciDevice } from '../../src/pci/index.js';
import type { Machine } from '../../src/machine/index.js';
import { NIC, NIC_PATH, bootMachine, errnoOf, eventsSince, lastEventEnv } from '../support/pci-machine.js';

const auxOf = (m: Machine) => m.get<AuxiliaryBus>(IAuxiliaryBus);
const pciOf = (m: Machine) => m.get<PciCore>(IPciCore);
const nicOf = (m: Machine) => pciOf(m).findDevice(NIC)!;

describe('auxiliary_device_init / add (reference §3.2)', () => {
  it.each([
    ['no parent', { devname: 'eth' }, 'mod', 'EINVAL', 'init'],
    ['no devname', { parent: 'nic' }, 'mod', 'EINVAL', 'init'],
    ['no modname', { devname: 'eth', parent: 'nic' }, undefined, 'EINVAL', 'add'],
    ['complete', { devname: 'eth', parent: 'nic' }, 'mod', 'ok', 'add'],
  ] as const)('%s → %s at %s', (_what, init, modname, expected, step) => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const parent: Device | undefined = 'parent' in init ? nicOf(m) : undefined;
    const adev = new AuxiliaryDevice({ ...('devname' in init ? { devname: init.devname } : {}), ...(parent ? { parent } : {}) });
    const initErr = errnoOf(() => aux.deviceInit(adev));
    if (step === 'init') {
      expect(initErr).toBe(expected);
      return;
    }
    expect(initErr).toBe('ok');
    expect(errnoOf(() => aux.deviceAdd(adev, modname))).toBe(expected);
  });

  it('should name the device <modname>.<devname>.<id>, place it below its parent and send MODALIAS only', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const adev = new AuxiliaryDevice({ devname: 'eth', id: 3, parent: nicOf(m) });
    aux.deviceInit(adev);
    aux.deviceAdd(adev, 'mlx5_core');
    expect(adev.name).toBe('mlx5_core.eth.3');
    expect(adev.devpath).toBe(`${NIC_PATH}/mlx5_core.eth.3`);
    const env = lastEventEnv(m, 'add', adev.devpath);
    expect(env.slice(0, -1)).toEqual([
      ['ACTION', 'add'],
      ['DEVPATH', `${NIC_PATH}/mlx5_core.eth.3`],
      ['SUBSYSTEM', 'auxiliary'],
      ['MODALIAS', 'auxiliary:mlx5_core.eth'],
    ]);
    expect(m.processes.root.readFile('/sys/bus/auxiliary/devices/mlx5_core.eth.3/uevent')).toBe('MODALIAS=auxiliary:mlx5_core.eth\n');
    expect(m.sysfs.tryLookup('/sys/bus/auxiliary/devices/mlx5_core.eth.3/modalias')).toBeUndefined();
  });

  it('should refuse a duplicate name under the same parent with EEXIST and no uevent', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const a = new AuxiliaryDevice({ devname: 'eth', id: 0, parent: nicOf(m) });
    aux.deviceInit(a);
    aux.deviceAdd(a, 'mod');
    const before = m.uevent.seqnum;
    const b = new AuxiliaryDevice({ devname: 'eth', id: 0, parent: nicOf(m) });
    aux.deviceInit(b);
    expect(errnoOf(() => aux.deviceAdd(b, 'mod'))).toBe('EEXIST');
    expect(eventsSince(m, before)).toEqual([]);
    aux.deviceUninit(b);
  });

  it('should refuse a duplicate name under another parent with EEXIST after a remove uevent', () => {
    const m = bootMachine({ presets: ['mlx5-nic', 'cxl-type3'] });
    const aux = auxOf(m);
    const a = new AuxiliaryDevice({ devname: 'x', id: 0, parent: nicOf(m) });
    aux.deviceInit(a);
    aux.deviceAdd(a, 'mod');
    const before = m.uevent.seqnum;
    const cxl = pciOf(m).findDevice('0000:0d:00.0')!;
    const b = new AuxiliaryDevice({ devname: 'x', id: 0, parent: cxl });
    aux.deviceInit(b);
    expect(errnoOf(() => aux.deviceAdd(b, 'mod'))).toBe('EEXIST');
    expect(eventsSince(m, before)).toEqual([`remove ${cxl.devpath}/mod.x.0`]);
    expect(aux.findDevice('mod.x.0')).toBe(a);
  });

  it('should run release only when the last reference goes (delete, then uninit)', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const released: string[] = [];
    const adev = new AuxiliaryDevice({ devname: 'eth', parent: nicOf(m), release: (d) => released.push(d.name) });
    aux.deviceInit(adev);
    aux.deviceAdd(adev, 'mod');
    aux.deviceDelete(adev);
    expect(released).toEqual([]);
    expect(aux.findDevice('mod.eth.0')).toBeUndefined();
    aux.deviceUninit(adev);
    expect(released).toEqual(['mod.eth.0']);
  });
});

describe('auxiliary_device_create / destroy (reference §3.3)', () => {
  it('should return the device, or undefined (NULL) on failure', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const adev = aux.deviceCreate(nicOf(m), 'mod', 'thing', { data: 1 }, 4);
    expect(adev?.name).toBe('mod.thing.4');
    expect(adev?.platformData).toEqual({ data: 1 });
    expect(aux.deviceCreate(nicOf(m), 'mod', 'thing', undefined, 4)).toBeUndefined();
    aux.deviceDestroy(adev!);
    expect(aux.findDevice('mod.thing.4')).toBeUndefined();
  });

  it('should delete devm children after the parent remove() and before its unbind uevent, newest first', () => {
    const m = bootMachine({ presets: ['mlx5-nic'] });
    const aux = auxOf(m);
    const trace: string[] = [];
    aux.driverRegister(
      new AuxiliaryDriver({ name: 'kid', idTable: [{ name: 'par.kid' }], probe: () => {}, remove: (a) => trace.push(`remove() ${a.name}`) }),
      'kidmod',
    );
    const drv = new PciDriver({
      name: 'par',
      idTable: [pciDevice(0x15b3, 0x101d)],
      probe: (pdev) => {
        for (const id of [0, 1]) aux.devmDeviceCreate(pdev, 'par', 'kid', undefined, id);
      },
      remove: () => trace.push('remove() parent'),
    });
    pciOf(m).registerDriver(drv);
    const before = m.uevent.seqnum;
    m.processes.root.writeFile('/sys/bus/pci/drivers/par/unbind', NIC);
    expect(trace).toEqual(['remove() parent', 'remove() par.kid.1', 'remove() par.kid.0']);
    expect(eventsSince(m, before)).toEqual([
      `unbind ${NIC_PATH}/par.kid.1`,
      `remove ${NIC_PATH}/par.kid.1`,
      `unbind ${NIC_PATH}/par.kid.0`,
      `remove ${NIC_PATH}/par.kid.0`,
      `unbind ${NIC_PATH}`,
    ]);
  });
});

describe('per-name IDA', () => {
  it('should hand out the lowest free id per match name', () => {
    const m = bootMachine({ presets: [] });
    const aux = auxOf(m);
    expect([aux.idaAlloc('a.b'), aux.idaAlloc('a.b'), aux.idaAlloc('a.c'), aux.idaAlloc('a.b')]).toEqual([0, 1, 0, 2]);
    aux.idaFree('a.b', 1);
    expect(aux.idaAlloc('a.b')).toBe(1);
    expect(aux.idaAlloc('a.b')).toBe(3);
  });
});
