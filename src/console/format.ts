/** Bytes as MiB or GiB, for people. */
export function mib(bytes: number): string {
  const m = bytes / 1048576;
  return m >= 10240 ? `${(m / 1024).toFixed(1)} GiB` : `${Math.round(m)} MiB`;
}
