/** xen_domain_handle_t (uint8_t[16], public/xen.h) printed as the uuid xl shows (8-4-4-4-12 hex). */
export function formatHandle(b: Uint8Array): string {
  const s = Buffer.from(b).toString('hex');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
