import { XenkitError } from '../errors.js';
import { isX86ArchConfig, type ArmArchConfig, type CreateDomainArgs } from '../hv/hypervisor.js';
import type { Arch } from '../xen/arch.js';
import { abi, type StructLayout } from '../xen/abi.js';
import type { ReleaseId } from '../xen/releases.js';

/**
 * Byte-for-byte marshalling of the release's structs, driven by the layouts in facts (abi-data.ts,
 * computed from each release's headers). A field whose C type xenkit does not know, or a layout whose
 * fields do not fit its size, is refused: better no hypercall than a corrupt one.
 */
function refuse(what: string): never {
  throw new XenkitError('ABI_MISMATCH', `refusing to marshal: ${what}`, { field: 'abi', hint: 'the facts for this release are inconsistent; report it' });
}

function checkLayout(name: string, l: StructLayout): void {
  for (const [f, , off, size] of l.fields) if (off + size > l.size) refuse(`${name}.${f} (offset ${off}, size ${size}) lies outside sizeof ${l.size}`);
}

function writeField(buf: Buffer, type: string, off: number, size: number, v: number, name: string): void {
  if ((type === 'uint32_t' || type === 'struct { uint16_t opts; uint16_t nr; }' || type.startsWith('struct') && size === 4) && size === 4) buf.writeUInt32LE(v >>> 0, off);
  else if (type === 'int32_t' && size === 4) buf.writeInt32LE(v | 0, off);
  else if (type === 'uint16_t' && size === 2) buf.writeUInt16LE(v & 0xffff, off);
  else if ((type === 'uint8_t' || type === 'char') && size === 1) buf.writeUInt8(v & 0xff, off);
  else refuse(`field ${name} has C type ${type} (${size} bytes)`);
}

/** The release's struct xen_domctl_createdomain layout on `arch`. */
export function createdomainLayout(release: ReleaseId, arch: Arch): StructLayout {
  return arch === 'arm64' ? abi(release).arm64Createdomain : abi(release).createdomain;
}

/** struct xen_domctl_createdomain of `release` on `arch` from the Xen-shaped arguments. */
export function marshalCreatedomain(release: ReleaseId, args: CreateDomainArgs, arch: Arch = 'x86_64'): Buffer {
  const l = createdomainLayout(release, arch);
  checkLayout('xen_domctl_createdomain', l);
  const buf = Buffer.alloc(l.size);
  const a = args as unknown as Record<string, number | undefined>;
  for (const [name, type, off, size] of l.fields) {
    if (name === 'handle') {
      if (size !== 16 || args.handle.length !== 16) refuse(`handle must be 16 bytes`);
      buf.set(args.handle, off);
    } else if (name === 'arch' || name === 'config') {
      (arch === 'arm64' ? marshalArmArch(release, args) : marshalArch(release, args)).copy(buf, off);
    } else if (name === 'altp2m') {
      writeField(buf, 'uint32_t', off, size, a.altp2m_opts ?? 0, name);
    } else writeField(buf, type, off, size, a[name] ?? 0, name);
  }
  return buf;
}

/** x86 struct xen_arch_domainconfig (4.6: `char dummy`). */
export function marshalArch(release: ReleaseId, args: CreateDomainArgs): Buffer {
  const l = abi(release).x86Arch;
  checkLayout('xen_arch_domainconfig', l);
  if (!isX86ArchConfig(args.arch)) refuse('an Arm arch config on an x86_64 host');
  const buf = Buffer.alloc(l.size);
  const arch = args.arch as unknown as Record<string, number | undefined>;
  for (const [name, type, off, size] of l.fields) writeField(buf, type, off, size, name === 'dummy' ? 0 : (arch[name] ?? 0), name);
  return buf;
}

/** Arm's struct xen_arch_domainconfig (xen/include/public/arch-arm.h). */
export function marshalArmArch(release: ReleaseId, args: CreateDomainArgs): Buffer {
  const l = abi(release).arm64Arch;
  checkLayout('xen_arch_domainconfig (arm64)', l);
  if (isX86ArchConfig(args.arch)) refuse('an x86 arch config on an arm64 host');
  const buf = Buffer.alloc(l.size);
  const arch = args.arch as unknown as Record<string, number | undefined>;
  for (const [name, type, off, size] of l.fields) writeField(buf, type, off, size, arch[name] ?? 0, name);
  return buf;
}

/** The Arm arch config in a createdomain struct (as Xen wrote it back: xc_domain_create() copies it). */
export function unmarshalArmArch(release: ReleaseId, struct: Buffer): ArmArchConfig {
  const at = abi(release).arm64Createdomain.fields.find((f) => f[0] === 'arch' || f[0] === 'config');
  if (!at) refuse(`Xen ${release}'s arm64 createdomain has no arch config`);
  return unmarshal(abi(release).arm64Arch, struct, at[2]) as unknown as ArmArchConfig;
}

/** Read a struct into name -> number (u64 as number: page counts and ns fit in 2^53 on real hosts). */
export function unmarshal(l: StructLayout, buf: Buffer, base = 0): Record<string, number | Uint8Array> {
  const out: Record<string, number | Uint8Array> = {};
  for (const [name, type, off, size] of l.fields) {
    const o = base + off;
    if (type === 'xen_domain_handle_t') out[name] = new Uint8Array(buf.subarray(o, o + 16));
    else if (size === 8) out[name] = Number(buf.readBigUInt64LE(o));
    else if (size === 4) out[name] = type.startsWith('int') ? buf.readInt32LE(o) : buf.readUInt32LE(o);
    else if (size === 2) out[name] = buf.readUInt16LE(o);
    else if (size === 1) out[name] = buf.readUInt8(o);
  }
  return out;
}
