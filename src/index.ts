/** xenkit: the library entry point. */
export { XenkitError } from './errors.js';
export type { Hypervisor, HypervisorExtras, DomainEvent, CreateDomainArgs, DomainInfo, PhysInfo, ArchConfig, ShutdownReason } from './hv/hypervisor.js';
export { requireExtra } from './hv/hypervisor.js';
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
// The toolstack: xl.cfg -> DomainSpec (libxl's defaults) -> libxl JSON, and the Toolstack over any backend.
export { loadSpec, type LoadedSpec } from './toolstack/load.js';
export { specFromText } from './toolstack/from-text.js';
export { parseXlCfg } from './toolstack/xlcfg/parse.js';
export { specFromXlCfg } from './toolstack/xlcfg/to-spec.js';
export type { DomainSpec } from './toolstack/domain/domain-spec.js';
export { toLibxlJson } from './toolstack/libxl/libxl-json.js';
export { yajlBeautify } from './toolstack/libxl/yajl.js';
export { explainSpec, type Explanation } from './toolstack/explain.js';
export { openToolstack, toolstackOver, type OpenOptions } from './toolstack/open.js';
export type { Toolstack, DomainRecord, HostInfo, Created, Preview, DeathEvent, CreateOptions, ListOptions, WatchOptions } from './toolstack/toolstack.js';
// The backends: the table, and the real-Xen one (koffi and libxenctrl load only when it is constructed).
export { BACKENDS, BACKEND_NAMES, type BackendName } from './backend/registry.js';
export { XenBackend } from './backend/xen.js';
