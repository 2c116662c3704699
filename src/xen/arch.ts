export const ARCHES = ['x86_64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export function isArch(s: unknown): s is Arch {
  return typeof s === 'string' && (ARCHES as readonly string[]).includes(s);
}
