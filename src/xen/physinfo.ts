import { abi } from './abi.js';
import type { HostCaps } from './host.js';

/**
 * XEN_SYSCTL_PHYSCAP_* a host reports (xen/include/public/sysctl.h; names and bits per release
 * from abi-data.ts: bit 1 was hvm_directio up to 4.11, pv from 4.12).
 */
export function physcapNames(h: HostCaps): string[] {
  const bits = abi(h.release).physcap;
  const have: Record<string, boolean> = {
    hvm: h.hvm,
    pv: h.arch === 'x86_64',
    directio: h.iommu,
    hvm_directio: h.iommu && h.hvm,
    hap: h.hap,
    shadow: h.shadow && h.arch === 'x86_64',
    iommu_hap_pt_share: h.iommu && h.hap,
    vmtrace: h.vmtrace,
    vpmu: h.vpmu,
    gnttab_v1: true,
    gnttab_v2: h.arch === 'x86_64',
  };
  return Object.keys(bits).filter((n) => have[n]);
}

export function physcapBits(h: HostCaps): number {
  const bits = abi(h.release).physcap;
  return physcapNames(h).reduce((m, n) => m | (1 << bits[n]!), 0) >>> 0;
}
