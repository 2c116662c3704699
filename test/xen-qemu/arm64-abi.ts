// Prints a C file of _Static_asserts: xenkit's arm64 facts for a release (src/xen/abi-data.ts: the
// layouts of struct xen_domctl_createdomain and xen_arch_domainconfig on arm64, arm64's
// xen_domctl_getdomaininfo as arm64Getdomaininfo() derives it, xen_sysctl_physinfo (the same on both
// 64-bit architectures), XEN_DOMCTL_CONFIG_*, the interface versions and sizeof(struct xen_domctl)). arm64.sh compiles it with
// aarch64-linux-gnu-gcc against that release's arm64 libxen-dev headers: a fact that is not the
// header's fails the build, naming itself.
//   node --import tsx test/xen-qemu/arm64-abi.ts 4.17 > facts.c
import { abi, arm64Getdomaininfo, type StructLayout } from '../../src/xen/abi.js';
import { parseRelease } from '../../src/xen/releases.js';

const r = parseRelease(process.argv[2] ?? '');
const a = abi(r);
const out = ['#define __XEN_TOOLS__ 1', '#include <stddef.h>', '#include <xenctrl.h>', '#include <xen/domctl.h>', '#include <xen/sysctl.h>'];
const check = (expr: string, what: string) => out.push(`_Static_assert(${expr}, ${JSON.stringify(`xenkit's ${r} arm64 fact: ${what}`)});`);

function layout(cName: string, l: StructLayout): void {
  check(`sizeof(struct ${cName}) == ${l.size}`, `sizeof(struct ${cName}) == ${l.size}`);
  check(`_Alignof(struct ${cName}) == ${l.align}`, `_Alignof(struct ${cName}) == ${l.align}`);
  for (const [f, , off, size] of l.fields) {
    check(`offsetof(struct ${cName}, ${f}) == ${off}`, `${cName}.${f} at offset ${off}`);
    check(`sizeof(((struct ${cName} *)0)->${f}) == ${size}`, `${cName}.${f} is ${size} bytes`);
  }
}
layout('xen_domctl_createdomain', a.arm64Createdomain);
layout('xen_arch_domainconfig', a.arm64Arch);
layout('xen_domctl_getdomaininfo', arm64Getdomaininfo(r));
layout('xen_sysctl_physinfo', a.physinfo);
for (const [k, v] of Object.entries(a.armConfig)) check(`XEN_DOMCTL_CONFIG_${k} == ${v}`, `XEN_DOMCTL_CONFIG_${k} == ${v}`);
check(`XEN_DOMCTL_INTERFACE_VERSION == ${a.domctlInterfaceVersion}`, `XEN_DOMCTL_INTERFACE_VERSION == 0x${a.domctlInterfaceVersion.toString(16)}`);
check(`XEN_SYSCTL_INTERFACE_VERSION == ${a.sysctlInterfaceVersion}`, `XEN_SYSCTL_INTERFACE_VERSION == 0x${a.sysctlInterfaceVersion.toString(16)}`);
check(`sizeof(struct xen_domctl) == ${a.domctlSize}`, `sizeof(struct xen_domctl) == ${a.domctlSize}`);
console.log(out.join('\n'));
