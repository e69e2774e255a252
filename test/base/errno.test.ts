import { describe, expect, it } from 'vitest';
import { DriverModelError, Errno, errnoName, isErrnoName, kerr, strerror } from '../../src/base/index.js';

describe('Errno', () => {
  it.each([
    ['EPERM', 1],
    ['ENOENT', 2],
    ['EIO', 5],
    ['ENXIO', 6],
    ['E2BIG', 7],
    ['EBADF', 9],
    ['EAGAIN', 11],
    ['ENOMEM', 12],
    ['EACCES', 13],
    ['EFAULT', 14],
    ['EBUSY', 16],
    ['EEXIST', 17],
    ['ENODEV', 19],
    ['EISDIR', 21],
    ['EINVAL', 22],
    ['ENOTTY', 25],
    ['ELOOP', 40],
    ['EMSGSIZE', 90],
    ['EOPNOTSUPP', 95],
    ['ETIMEDOUT', 110],
    ['ECANCELED', 125],
    ['ERESTARTSYS', 512],
    ['ENOIOCTLCMD', 515],
    ['EPROBE_DEFER', 517],
    ['ENOTSUPP', 524],
  ] as const)('should number %s as Linux does (%i)', (name, n) => {
    expect(Errno[name]).toBe(n);
    expect(errnoName(n)).toBe(name);
    expect(errnoName(-n)).toBe(name);
  });

  it('should have one name per number', () => {
    const numbers = Object.values(Errno);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('should answer undefined for unknown numbers and names', () => {
    expect(errnoName(0)).toBeUndefined();
    expect(errnoName(4242)).toBeUndefined();
    expect(isErrnoName('ENODEV')).toBe(true);
    expect(isErrnoName('toString')).toBe(false);
  });

  it('should use glibc strerror text', () => {
    expect(strerror('ENODEV')).toBe('No such device');
    expect(strerror('EAGAIN')).toBe('Resource temporarily unavailable');
    expect(strerror('EACCES')).toBe('Permission denied');
  });
});

describe('DriverModelError', () => {
  it('should carry the name, the positive number and the default message', () => {
    const e = kerr('EBUSY', undefined, { device: 'toy a0', op: 'bind' });
    expect(e).toBeInstanceOf(Error);
    expect([e.errno, e.code, e.message, e.device, e.op]).toEqual(['EBUSY', 16, 'Device or resource busy', 'toy a0', 'bind']);
    expect(DriverModelError.is(e)).toBe(true);
    expect(DriverModelError.is(e, 'EBUSY')).toBe(true);
    expect(DriverModelError.is(e, 'ENODEV')).toBe(false);
    expect(DriverModelError.is(new Error('x'))).toBe(false);
    expect(DriverModelError.is({ errno: 'EBUSY' })).toBe(false);
  });
});
