/**
 * Xen's page: 4 KiB on x86_64 and arm64 in every release 4.6 .. 4.22 (PAGE_SHIFT 12:
 * xen/arch/x86/include/asm/page-bits.h and xen/arch/arm/include/asm/page-bits.h @RELEASE-4.17.0;
 * xen/include/asm-x86/page.h, asm-arm/config.h before). Page counts (tot_pages, max_pages,
 * total_pages, free_pages) are in these pages; XEN_DOMCTL_max_mem takes KiB (>> (PAGE_SHIFT - 10)).
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE_KIB = 1 << (PAGE_SHIFT - 10);
export const PAGES_PER_MIB = 1024 / PAGE_SIZE_KIB;

/** Whole MiB in `pages` pages (rounded down, as `xl list` shows memory). */
export function pagesToMiB(pages: number): number {
  return Math.floor(pages / PAGES_PER_MIB);
}

export function mibToPages(mib: number): number {
  return mib * PAGES_PER_MIB;
}

export function pagesToKiB(pages: number): number {
  return pages * PAGE_SIZE_KIB;
}

/** Bytes in `pages` pages (XenAPI's memory fields are in bytes). */
export function pagesToBytes(pages: number): number {
  return pages * 2 ** PAGE_SHIFT;
}

/** Bytes in a MiB (XenAPI's memory fields are bytes; xl.cfg's are MiB). */
export const BYTES_PER_MIB = 1024 * 1024;

/** Pages needed to hold `kib` KiB (rounded up: populate_physmap allocates whole pages). */
export function kibToPagesCeil(kib: number): number {
  return Math.ceil(kib / PAGE_SIZE_KIB);
}

/** Pages of a KiB limit (rounded down: XEN_DOMCTL_max_mem's max_memkb >> (PAGE_SHIFT - 10)). */
export function kibToPagesFloor(kib: number): number {
  return Math.floor(kib / PAGE_SIZE_KIB);
}
