/** xenkit: the library entry point. */
export { XenkitError } from './errors.js';
export type { Hypervisor, CreateDomainArgs, DomainInfo, PhysInfo, ArchConfig, ShutdownReason } from './hv/hypervisor.js';
export { SimXen } from './sim/sim.js';
export { openSimState } from './sim/store.js';
export { domainCreate, type CreateResult } from './xc/domain-create.js';
export { checkCreate, type Verdict } from './xc/check.js';
export type { DomainConfig } from './xc/config.js';
export { RELEASE_IDS, type ReleaseId } from './xen/releases.js';
export { makeHost, hostFromPhysinfo, DEFAULT_HOST, type HostCaps } from './xen/host.js';
export { EMU, emuAll, emuBits, acceptedValues } from './xen/emulation.js';
export { cdfFlags } from './xen/flags.js';
export { abi } from './xen/abi.js';
export { DOMID_ANY, DOMID_FIRST_RESERVED } from './xen/domid.js';
