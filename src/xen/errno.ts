/** Linux errno numbers (asm-generic/errno-base.h, errno.h): what libxenctrl reports on Linux dom0. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ERESTART: 85,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name];
}

export function isErrnoName(s: string): s is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, s);
}

export function errnoName(n: number): ErrnoName | undefined {
  for (const [k, v] of Object.entries(ERRNO)) if (v === n) return k as ErrnoName;
  return undefined;
}
