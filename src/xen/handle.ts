/** Two hex digits for each byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** xen_domain_handle_t (uint8_t[16], public/xen.h) printed as the uuid xl shows (8-4-4-4-12 hex). */
export function formatHandle(b: Uint8Array): string {
  if (b.length !== 16) return Array.from(b, (x) => HEX[x]).join('');
  const h = (i: number) => HEX[b[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
