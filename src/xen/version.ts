/**
 * XENVER_* sub-ops of HYPERVISOR_xen_version, xen/include/public/version.h (the same values at
 * @RELEASE-4.6.0 .. @RELEASE-4.22.0): XENVER_version returns (major << 16) | minor; XENVER_extraversion
 * fills a xen_extraversion_t (char[16]).
 */
export const XENVER_version = 0;
export const XENVER_extraversion = 1;
export const XEN_EXTRAVERSION_LEN = 16;

/** Split XENVER_version's answer. */
export function decodeXenVersion(v: number): { major: number; minor: number } {
  return { major: (v >>> 16) & 0xffff, minor: v & 0xffff };
}
